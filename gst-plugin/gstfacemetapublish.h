// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_FACE_META_PUBLISH (gst_face_meta_publish_get_type ())
G_DECLARE_FINAL_TYPE (GstFaceMetaPublish, gst_face_meta_publish, GST,
    FACE_META_PUBLISH, GstBaseTransform)

typedef enum
{
  GST_FACE_META_PUBLISH_METHOD_FILE,
  GST_FACE_META_PUBLISH_METHOD_MQTT,
} GstFaceMetaPublishMethod;

#define GST_TYPE_FACE_META_PUBLISH_METHOD \
    (gst_face_meta_publish_method_get_type ())
GType gst_face_meta_publish_method_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (facemetapublish);

G_END_DECLS
