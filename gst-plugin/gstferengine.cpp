// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gstferengine.h"

#include "fer/log.h"

GST_DEBUG_CATEGORY_STATIC (gst_fer_core_debug);

GType
gst_fer_engine_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_FER_ENGINE_AUTO, "XNNPACK for every network it can run, cv::dnn for "
          "the others (the debug log says which and why)", "auto"},
    {GST_FER_ENGINE_XNNPACK, "XNNPACK only: a network it cannot run fails "
          "the start", "xnnpack"},
    {GST_FER_ENGINE_OPENCV, "OpenCV's cv::dnn for every network", "opencv"},
    {0, nullptr, nullptr},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstFerEngine", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

void
gst_fer_engine_install_property (GObjectClass * klass, guint prop_id)
{
  g_object_class_install_property (klass, prop_id,
      g_param_spec_enum ("engine", "Inference engine",
          "Which engine runs the networks", GST_TYPE_FER_ENGINE,
          GST_FER_ENGINE_AUTO, (GParamFlags) (G_PARAM_READWRITE |
              G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  gst_type_mark_as_plugin_api (GST_TYPE_FER_ENGINE, (GstPluginAPIFlags) 0);
}

void
gst_fer_route_core_log (void)
{
  GST_DEBUG_CATEGORY_INIT (gst_fer_core_debug, "fer", 0,
      "gst-fer core: which engine runs each model");
  fer::set_log_sink ([](fer::LogLevel level, const std::string & message) {
        GstDebugLevel gst_level = level == fer::LogLevel::kWarning ?
            GST_LEVEL_WARNING : level == fer::LogLevel::kInfo ?
            GST_LEVEL_INFO : GST_LEVEL_DEBUG;
        GST_CAT_LEVEL_LOG (gst_fer_core_debug, gst_level, nullptr, "%s",
            message.c_str ());
      });
}
