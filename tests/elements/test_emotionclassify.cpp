// SPDX-License-Identifier: LGPL-2.1-or-later
// emotionclassify in GstHarness on real stills: the emotion in the faces
// meta, the ROI meta's "emotion" params and the element message agree; bad
// models and sidecars fail the state change with an error naming the file
// and field; buffers without faces meta pass with one warning.
#include <unistd.h>

#include "gst_test_support.h"
#include "test_emotion_models.h"

using namespace fer::test;
using nlohmann::json;

namespace {

StartError start_error_with(const char* property, const std::string& value) {
  GstElement* e = gst_element_factory_make("emotionclassify", nullptr);
  EXPECT_NE(e, nullptr) << "emotionclassify not found; GST_PLUGIN_PATH=" << g_getenv("GST_PLUGIN_PATH");
  if (!e) return {};
  g_object_set(e, property, value.c_str(), nullptr);
  const StartError error = expect_start_fails(e);
  gst_object_unref(e);
  std::printf("error: %s | %s\n", error.message.c_str(), error.debug.c_str());
  return error;
}

TEST(EmotionClassifyElement, MissingSidecar_n) {
  const std::string model = model_with_sidecar("channel_means_nchw.onnx", json());
  const StartError error = start_error_with("model", model);
  ASSERT_TRUE(error.posted);
  EXPECT_EQ(error.domain, GST_RESOURCE_ERROR);
  EXPECT_NE(error.debug.find(model + ".json"), std::string::npos) << error.debug;
}

TEST(EmotionClassifyElement, SidecarWithWrongInputSize_n) {
  json sidecar = channel_means_sidecar();
  sidecar["input"]["height"] = 48;
  const std::string model = model_with_sidecar("channel_means_nchw.onnx", sidecar);
  const StartError error = start_error_with("model", model);
  ASSERT_TRUE(error.posted);
  EXPECT_NE(error.debug.find(model + ".json: input.height"), std::string::npos) << error.debug;
}

TEST(EmotionClassifyElement, SidecarWithUnknownColour_n) {
  json sidecar = channel_means_sidecar();
  sidecar["input"]["color"] = "rgb";
  const std::string model = model_with_sidecar("channel_means_nchw.onnx", sidecar);
  const StartError error = start_error_with("model", model);
  ASSERT_TRUE(error.posted);
  EXPECT_NE(error.debug.find(model + ".json: input.color: unknown value \"rgb\""), std::string::npos)
      << error.debug;
}

TEST(EmotionClassifyElement, UnknownBuiltinModel_n) {
  const StartError error = start_error_with("model", "fer2013");
  ASSERT_TRUE(error.posted);
  EXPECT_NE(error.debug.find("unknown emotion model \"fer2013\""), std::string::npos) << error.debug;
}

TEST(EmotionClassifyElement, ModelDirThatDoesNotExist_n) {
  const StartError error = start_error_with("model-dir", "/nonexistent/models");
  ASSERT_TRUE(error.posted);
  EXPECT_EQ(error.domain, GST_RESOURCE_ERROR);
  EXPECT_NE(error.debug.find("model directory not found: /nonexistent/models"), std::string::npos) << error.debug;
}

TEST(EmotionClassifyElement, MissingFeatureModelFile_n) {
  const StartError error = start_error_with("feature-model", "/nonexistent/features.onnx");
  ASSERT_TRUE(error.posted);
  EXPECT_EQ(error.domain, GST_RESOURCE_ERROR);
  EXPECT_NE(error.debug.find("not found: /nonexistent/features.onnx"), std::string::npos) << error.debug;
}

TEST(EmotionClassifyElement, BuffersWithoutMetaPassWithOneWarning) {
  Harness t("emotionclassify", rgb_caps(64, 48));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(t.push(rgb_buffer(cv::Mat(48, 64, CV_8UC3, cv::Scalar(9, 9, 9)), i)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_buffers_received(t.h), 3u);
  Messages m = t.messages();
  EXPECT_EQ(m.count(GST_MESSAGE_WARNING), 1u) << m.describe();
  EXPECT_EQ(m.count(GST_MESSAGE_ERROR), 0u) << m.describe();
}

// The element message of the frame, from the harness bus.
GstMessage* pop_element_message(GstBus* bus) {
  return gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT);
}

TEST(EmotionClassifyElement, MetaRoiParamsAndMessageAgree) {
  const cv::Mat rgb = load_rgb(media_path("franck_04117.jpg"));
  ASSERT_FALSE(rgb.empty());
  Harness t("facelandmarks ! emotionclassify post-messages=true", rgb_caps(rgb.cols, rgb.rows));
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(t.push(rgb_buffer(rgb, i)), GST_FLOW_OK);
    GstBuffer* out = t.pull();
    ASSERT_NE(out, nullptr);
    GstFerFacesMeta* meta = faces_meta(out);
    ASSERT_NE(meta, nullptr);
    ASSERT_EQ(meta->faces->faces.size(), 1u);
    const fer::Face& face = meta->faces->faces[0];
    ASSERT_TRUE(face.emotion);
    EXPECT_EQ(face.emotion->label, "happy");  // a broad open-mouth smile
    EXPECT_GT(face.emotion->confidence, 0.5f);
    ASSERT_EQ(face.emotion->probabilities.size(), 7u);
    double total = 0;
    for (const auto& p : face.emotion->probabilities) total += p.probability;
    EXPECT_NEAR(total, 1.0, 1e-4);

    const auto rois = roi_metas(out);
    ASSERT_EQ(rois.size(), 1u);
    const GstStructure* params = gst_video_region_of_interest_meta_get_param(rois[0], "emotion");
    ASSERT_NE(params, nullptr);
    EXPECT_STREQ(gst_structure_get_string(params, "label"), face.emotion->label.c_str());
    double confidence = -1;
    EXPECT_TRUE(gst_structure_get_double(params, "confidence", &confidence));
    EXPECT_NEAR(confidence, face.emotion->confidence, 1e-6);

    GstMessage* msg = pop_element_message(t.bus);
    ASSERT_NE(msg, nullptr) << "no element message for frame " << i;
    const GstStructure* s = gst_message_get_structure(msg);
    EXPECT_TRUE(gst_structure_has_name(s, "emotionclassify"));
    guint64 timestamp = 0;
    EXPECT_TRUE(gst_structure_get_uint64(s, "timestamp", &timestamp));
    EXPECT_EQ(timestamp, GST_BUFFER_PTS(out));
    gint64 frame = -1;
    EXPECT_TRUE(gst_structure_get_int64(s, "frame", &frame));
    EXPECT_EQ(frame, i);
    const GValue* faces = gst_structure_get_value(s, "faces");
    ASSERT_TRUE(faces && GST_VALUE_HOLDS_LIST(faces));
    ASSERT_EQ(gst_value_list_get_size(faces), 1u);
    const GstStructure* f = gst_value_get_structure(gst_value_list_get_value(faces, 0));
    int id = -1;
    guint x = 0, width = 0;
    EXPECT_TRUE(gst_structure_get_int(f, "id", &id));
    EXPECT_EQ(id, face.id);
    EXPECT_TRUE(gst_structure_get_uint(f, "x", &x));
    EXPECT_TRUE(gst_structure_get_uint(f, "width", &width));
    EXPECT_EQ(x, guint(face.bbox.x));
    EXPECT_EQ(width, guint(face.bbox.width));
    EXPECT_STREQ(gst_structure_get_string(f, "label"), face.emotion->label.c_str());
    EXPECT_TRUE(gst_structure_get_double(f, "confidence", &confidence));
    EXPECT_NEAR(confidence, face.emotion->confidence, 1e-6);
    gst_message_unref(msg);
    gst_buffer_unref(out);
  }
}

TEST(EmotionClassifyElement, NoMessagesUnlessAsked) {
  const cv::Mat rgb = load_rgb(media_path("franck_01829.jpg"));
  Harness t("facelandmarks ! emotionclassify", rgb_caps(rgb.cols, rgb.rows));
  ASSERT_EQ(t.push(rgb_buffer(rgb, 0)), GST_FLOW_OK);
  GstBuffer* out = t.pull();
  ASSERT_NE(out, nullptr);
  GstMessage* unexpected = pop_element_message(t.bus);
  EXPECT_EQ(unexpected, nullptr);
  if (unexpected) gst_message_unref(unexpected);
  gst_buffer_unref(out);
}

}  // namespace

namespace {

size_t emotion_params(GstVideoRegionOfInterestMeta* roi) {
  size_t n = 0;
  for (GList* l = roi->params; l; l = l->next) n += gst_structure_has_name(GST_STRUCTURE(l->data), "emotion");
  return n;
}

// A second classifier replaces the first one's ROI params, never adds to them.
TEST(EmotionClassifyElement, RoiEmotionParamIsReplaced) {
  const cv::Mat rgb = load_rgb(media_path("franck_04117.jpg"));
  Harness t("facelandmarks ! emotionclassify ! emotionclassify model=faceapi-expression", rgb_caps(rgb.cols, rgb.rows));
  ASSERT_EQ(t.push(rgb_buffer(rgb, 0)), GST_FLOW_OK);
  GstBuffer* out = t.pull();
  ASSERT_NE(out, nullptr);
  const auto rois = roi_metas(out);
  ASSERT_EQ(rois.size(), 1u);
  EXPECT_EQ(emotion_params(rois[0]), 1u);
  GstFerFacesMeta* meta = faces_meta(out);
  ASSERT_TRUE(meta && meta->faces->faces.size() == 1 && meta->faces->faces[0].emotion);
  double confidence = -1;
  gst_structure_get_double(gst_video_region_of_interest_meta_get_param(rois[0], "emotion"), "confidence", &confidence);
  EXPECT_NEAR(confidence, meta->faces->faces[0].emotion->confidence, 1e-6);
  gst_buffer_unref(out);
}

// waveletencode with 5 coefficients, a feature model wanting 10 rows: one
// warning naming both counts, the stream goes on with the appearance model.
TEST(EmotionClassifyElement, FeatureRowMismatchWarnsOnce) {
  const cv::Mat rgb = load_rgb(media_path("franck_01829.jpg"));
  const std::string features = model_with_sidecar("feature_constant.onnx", ferplus_feature_sidecar(10));
  Harness t("facelandmarks ! waveletencode window=10 hop=5 min-frames=10 coefficients=5 ! emotionclassify "
            "feature-model=\"" + features + "\"",
            rgb_caps(rgb.cols, rgb.rows));
  for (int i = 0; i < 16; ++i) ASSERT_EQ(t.push(rgb_buffer(rgb, i)), GST_FLOW_OK);
  size_t with_emotion = 0;
  for (int i = 0; i < 15; ++i) {
    GstBuffer* out = t.pull();
    ASSERT_NE(out, nullptr);
    GstFerFacesMeta* meta = faces_meta(out);
    if (meta && meta->faces->faces.size() == 1 && meta->faces->faces[0].emotion) {
      ++with_emotion;
      EXPECT_EQ(meta->faces->faces[0].emotion->probabilities.size(), 8u);
    }
    gst_buffer_unref(out);
  }
  EXPECT_EQ(with_emotion, 15u);
  Messages m = t.messages();
  EXPECT_EQ(m.count(GST_MESSAGE_WARNING), 1u) << m.describe();
  EXPECT_EQ(m.count(GST_MESSAGE_ERROR), 0u) << m.describe();
  EXPECT_NE(m.describe().find("wants 10 wavelet rows, the features have 5"), std::string::npos) << m.describe();
}

}  // namespace

namespace {

// The emotion probabilities of the one face of `still` through
// `facelandmarks ! <classify>`.
std::vector<float> still_probabilities(const std::string& still, const std::string& classify) {
  const cv::Mat rgb = load_rgb(media_path(still));
  Harness t("facelandmarks ! " + classify, rgb_caps(rgb.cols, rgb.rows));
  std::vector<float> probs;
  if (t.push(rgb_buffer(rgb, 0)) != GST_FLOW_OK) return probs;
  GstBuffer* out = t.pull();
  if (!out) return probs;
  const GstFerFacesMeta* meta = faces_meta(out);
  if (meta && meta->faces->faces.size() == 1 && meta->faces->faces[0].emotion)
    for (const auto& p : meta->faces->faces[0].emotion->probabilities) probs.push_back(p.probability);
  gst_buffer_unref(out);
  return probs;
}

double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) d = std::max(d, double(std::abs(a[i] - b[i])));
  return d;
}

}  // namespace

TEST(EmotionClassifyElement, DefaultIsTheMeasuredEnsemble) {
  GstElement* e = gst_element_factory_make("emotionclassify", nullptr);
  ASSERT_NE(e, nullptr);
  gchar* model = nullptr;
  gdouble margin = 0;
  g_object_get(e, "model", &model, "crop-margin", &margin, nullptr);
  EXPECT_STREQ(model, "ensemble");
  EXPECT_EQ(margin, -1.0);
  g_free(model);
  gst_object_unref(e);
  // The ensemble is the mean of the two built-in models (unsmoothed: one frame).
  const auto ensemble = still_probabilities("franck_01829.jpg", "emotionclassify");
  const auto mini = still_probabilities("franck_01829.jpg", "emotionclassify model=minixception-fer2013");
  const auto faceapi = still_probabilities("franck_01829.jpg", "emotionclassify model=faceapi-expression");
  ASSERT_EQ(ensemble.size(), 7u);
  ASSERT_EQ(mini.size(), 7u);
  ASSERT_EQ(faceapi.size(), 7u);
  // Labels merged by name in mini-Xception's order; face-api alone gives its own order.
  const std::vector<std::string> mini_order = {"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"};
  const std::vector<std::string> faceapi_order = {"neutral", "happy", "sad", "angry", "fear", "disgust", "surprise"};
  for (std::size_t k = 0; k < 7; ++k) {
    const std::size_t j = std::find(faceapi_order.begin(), faceapi_order.end(), mini_order[k]) - faceapi_order.begin();
    EXPECT_NEAR(ensemble[k], (mini[k] + faceapi[j]) / 2, 1e-5) << mini_order[k];
  }
}

TEST(EmotionClassifyElement, CropMarginOverridesTheModels) {
  const std::string base = "emotionclassify model=minixception-fer2013";
  const auto own = still_probabilities("franck_01829.jpg", base);
  const auto same = still_probabilities("franck_01829.jpg", base + " crop-margin=0.15");  // its sidecar's
  const auto wide = still_probabilities("franck_01829.jpg", base + " crop-margin=0.6");
  ASSERT_EQ(own.size(), 7u);
  ASSERT_EQ(same.size(), 7u);
  ASSERT_EQ(wide.size(), 7u);
  EXPECT_LT(max_difference(own, same), 1e-6);
  EXPECT_GT(max_difference(own, wide), 1e-3);  // another crop, other probabilities
}

TEST(EmotionClassifyElement, CropMarginOutOfRange_n) {
  GstElement* e = gst_element_factory_make("emotionclassify", nullptr);
  ASSERT_NE(e, nullptr);
  g_object_set(e, "crop-margin", -0.7, nullptr);
  const StartError error = expect_start_fails(e);
  gst_object_unref(e);
  ASSERT_TRUE(error.posted);
  EXPECT_NE(error.debug.find("crop-margin must be between -0.5 and 2"), std::string::npos) << error.debug;
}

// A feature model trained on canonical-space landmarks fed image-space
// features (waveletencode's default) is an error naming both spaces; with
// waveletencode landmark-space=canonical it runs.
TEST(EmotionClassifyElement, FeatureModelOfAnotherLandmarkSpace_n) {
  const cv::Mat rgb = load_rgb(media_path("franck_01829.jpg"));
  nlohmann::json sidecar = ferplus_feature_sidecar(10);
  sidecar["input"]["space"] = "canonical";
  const std::string features = model_with_sidecar("feature_constant.onnx", sidecar);
  for (const char* space : {"image", "canonical"}) {
    Harness t(std::string("facelandmarks ! waveletencode window=10 hop=5 landmark-space=") + space +
                  " ! emotionclassify feature-model=\"" + features + "\"",
              rgb_caps(rgb.cols, rgb.rows));
    GstFlowReturn last = GST_FLOW_OK;
    for (int i = 0; i < 12 && last == GST_FLOW_OK; ++i) last = t.push(rgb_buffer(rgb, i));
    Messages m = t.messages();
    if (std::string(space) == "image") {
      EXPECT_EQ(last, GST_FLOW_ERROR);
      EXPECT_EQ(m.count(GST_MESSAGE_ERROR), 1u) << m.describe();
      EXPECT_NE(m.describe().find("trained on canonical-space landmarks"), std::string::npos) << m.describe();
      EXPECT_NE(m.describe().find("the features are in image space"), std::string::npos) << m.describe();
    } else {
      EXPECT_EQ(last, GST_FLOW_OK);
      EXPECT_EQ(m.count(GST_MESSAGE_ERROR), 0u) << m.describe();
    }
  }
}

// A frame size change without a flush (concat of two files, a stream
// switch) is another picture: facelandmarks ends its tracks (new ids) and
// the first frames of the new size carry no emotion state of the old one.
TEST(EmotionClassifyElement, NewFrameSizeStartsNewTracksAndState_n) {
  const cv::Mat smile = load_rgb(media_path("franck_04117.jpg"));
  cv::Mat calm;
  cv::resize(load_rgb(media_path("franck_01829.jpg")), calm, cv::Size(600, 480));
  const auto fresh = still_probabilities("franck_01829.jpg", "emotionclassify");  // no history
  Harness t("facelandmarks ! emotionclassify", rgb_caps(smile.cols, smile.rows));
  int smile_id = -1;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(t.push(rgb_buffer(smile, i)), GST_FLOW_OK);
    GstBuffer* out = t.pull();
    ASSERT_NE(out, nullptr);
    ASSERT_EQ(faces_meta(out)->faces->faces.size(), 1u);
    smile_id = faces_meta(out)->faces->faces[0].id;
    gst_buffer_unref(out);
  }
  gst_harness_set_src_caps_str(t.h, rgb_caps(calm.cols, calm.rows).c_str());
  ASSERT_EQ(t.push(rgb_buffer(calm, 3)), GST_FLOW_OK);
  GstBuffer* out = t.pull();
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(faces_meta(out)->faces->faces.size(), 1u);
  const fer::Face& face = faces_meta(out)->faces->faces[0];
  EXPECT_NE(face.id, smile_id) << "a new picture, a new track";
  ASSERT_TRUE(face.emotion);
  ASSERT_EQ(face.emotion->probabilities.size(), fresh.size());
  // Resized, so not bit-identical to the fresh still; but not pulled toward
  // the smile (100 ms later, smoothing would keep ~80 % of the old state).
  EXPECT_LT(face.emotion->probabilities[3].probability, 0.5f) << "happy carried over";
  EXPECT_NEAR(face.emotion->probabilities[6].probability, fresh[6], 0.2) << "neutral";
  gst_buffer_unref(out);
}

// engine=xnnpack with a model XNNPACK cannot run (a GlobalAveragePool read
// straight from an NCHW input) fails the start naming the model and the
// operator; with the default engine the same model runs on cv::dnn.
TEST(EmotionClassifyElement, EngineXnnpackRefusesAModelItCannotRun_n) {
  const std::string model = model_with_sidecar("channel_means_nchw.onnx", channel_means_sidecar());
  GstElement* e = gst_element_factory_make("emotionclassify", nullptr);
  ASSERT_NE(e, nullptr);
  g_object_set(e, "model", model.c_str(), nullptr);
  gst_util_set_object_arg(G_OBJECT(e), "engine", "xnnpack");
  const StartError error = expect_start_fails(e);
  gst_object_unref(e);
  ASSERT_TRUE(error.posted);
  EXPECT_NE(error.debug.find(model), std::string::npos) << error.debug;
  EXPECT_NE(error.debug.find("GlobalAveragePool"), std::string::npos) << error.debug;
}

// Both engines give the built-in models' emotion on a real face.
TEST(EmotionClassifyElement, EnginesAgree) {
  const auto xnnpack = still_probabilities("franck_01829.jpg", "emotionclassify engine=xnnpack");
  const auto opencv = still_probabilities("franck_01829.jpg", "emotionclassify engine=opencv");
  ASSERT_EQ(xnnpack.size(), 7u);
  ASSERT_EQ(opencv.size(), 7u);
  EXPECT_LT(max_difference(xnnpack, opencv), 2e-4);
}
