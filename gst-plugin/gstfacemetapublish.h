// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_FER_FACE_META_PUBLISH (gst_fer_face_meta_publish_get_type ())
G_DECLARE_FINAL_TYPE (GstFerFaceMetaPublish, gst_fer_face_meta_publish, GST,
    FER_FACE_META_PUBLISH, GstBaseTransform)

typedef enum
{
  GST_FER_PUBLISH_METHOD_FILE,
  GST_FER_PUBLISH_METHOD_MQTT,
} GstFerPublishMethod;

#define GST_TYPE_FER_PUBLISH_METHOD (gst_fer_publish_method_get_type ())
GType gst_fer_publish_method_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (facemetapublish);

G_END_DECLS
