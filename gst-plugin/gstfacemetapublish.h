#pragma once

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_FACE_META_PUBLISH (gst_face_meta_publish_get_type ())
G_DECLARE_FINAL_TYPE (GstFaceMetaPublish, gst_face_meta_publish, GST,
    FACE_META_PUBLISH, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (facemetapublish);

G_END_DECLS
