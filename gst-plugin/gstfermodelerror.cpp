// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gstfermodelerror.h"

#include "fer/error.h"

void
gst_fer_post_model_error (GstElement * element, const std::exception & e,
    const gchar * models)
{
  if (dynamic_cast < const fer::ModelNotFound * >(&e))
    GST_ELEMENT_ERROR (element, RESOURCE, NOT_FOUND,
        ("Could not find the %s.", models), ("%s", e.what ()));
  else
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
        ("Could not load the %s.", models), ("%s", e.what ()));
}
