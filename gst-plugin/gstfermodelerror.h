// SPDX-License-Identifier: LGPL-2.1-or-later
/* The error an element posts when its models cannot be loaded at start(). */
#pragma once

#include <exception>

#include <gst/gst.h>

/* Posts `e` as the element's error: a model file that is nowhere on the
 * search path (fer::ModelNotFound) is GST_RESOURCE_ERROR_NOT_FOUND ("Could
 * not find the <models>."), anything else (corrupt, unparsable, bad
 * sidecar or settings) GST_RESOURCE_ERROR_SETTINGS ("Could not load the
 * <models>."). The debug text is the core's message, which names the file. */
void gst_fer_post_model_error (GstElement * element, const std::exception & e,
    const gchar * models);
