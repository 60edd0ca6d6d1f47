// SPDX-License-Identifier: LGPL-2.1-or-later
// overlay through GstHarness: draws where the face is, identically in every
// packed RGB format, and passes frames without faces meta unchanged with a
// single warning.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "gst_test_support.h"

using namespace fer::test;

namespace {

const char* const kStill = "franck_02159.jpg";  // 720x576, one frontal face

const std::vector<std::string> kPackedFormats = {"RGB",  "BGR",  "RGBx", "BGRx", "xRGB",
                                                 "xBGR", "RGBA", "BGRA", "ARGB", "ABGR"};

const cv::Mat& still() {
  static const cv::Mat image = load_rgb(media_path(kStill));
  return image;
}

struct Drawn {
  cv::Mat rgb;          // overlay output converted back to RGB
  cv::Rect2f bbox;      // the face box from the meta
  size_t faces = 0;
  std::string errors;
};

// RGB still -> videoconvert -> `format` -> facelandmarks -> overlay ->
// videoconvert -> RGB. Packed RGB conversions are lossless channel moves, so
// any difference from the input is the overlay's drawing.
Drawn draw_in_format(const std::string& format) {
  const cv::Mat& rgb = still();
  Harness t("videoconvert ! video/x-raw,format=" + format +
                " ! facelandmarks ! overlay landmarks=both ! videoconvert ! video/x-raw,format=RGB ! identity",
            rgb_caps(rgb.cols, rgb.rows));
  Drawn d;
  EXPECT_EQ(t.push(rgb_buffer(rgb, 0)), GST_FLOW_OK);
  GstBuffer* out = t.pull();
  EXPECT_NE(out, nullptr);
  if (!out) return d;
  if (GstFerFacesMeta* meta = faces_meta(out)) {
    d.faces = meta->faces->faces.size();
    if (d.faces) d.bbox = meta->faces->faces[0].bbox;
  }
  d.rgb = buffer_to_rgb(out, rgb.cols, rgb.rows);
  gst_buffer_unref(out);
  Messages m = t.messages();
  if (m.count(GST_MESSAGE_ERROR) || m.count(GST_MESSAGE_WARNING)) d.errors = m.describe();
  return d;
}

const Drawn& rgb_drawn() {
  static const Drawn d = draw_in_format("RGB");
  return d;
}

size_t changed_pixels(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask = {}) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  cv::Mat any;
  cv::transform(diff, any, cv::Matx13f(1, 1, 1));
  cv::Mat changed = any > 0;
  if (!mask.empty()) changed &= mask;
  return static_cast<size_t>(cv::countNonZero(changed));
}

}  // namespace

// Drawing happens inside the face box (box, mesh, points) and just above it
// (the "#id" label), nowhere else; every packed format draws the same
// picture as RGB.
class OverlayFormat : public ::testing::TestWithParam<std::string> {};

TEST_P(OverlayFormat, DrawsOnFace) {
  const std::string format = GetParam();
  ASSERT_FALSE(still().empty());
  const Drawn& ref = rgb_drawn();
  const Drawn d = format == "RGB" ? rgb_drawn() : draw_in_format(format);
  EXPECT_TRUE(d.errors.empty()) << d.errors;
  ASSERT_EQ(d.faces, 1u);
  ASSERT_FALSE(d.rgb.empty());

  const cv::Mat& input = still();
  const cv::Rect frame(0, 0, input.cols, input.rows);
  const cv::Rect box = cv::Rect(d.bbox) & frame;
  const size_t inside = changed_pixels(d.rgb(box), input(box));
  std::printf("[ %-4s ] %zu of %d pixels changed in the face box\n", format.c_str(), inside,
              box.area());
  // The mesh contours alone cover thousands of pixels of a 200-px face.
  EXPECT_GT(inside, static_cast<size_t>(box.area() / 50)) << "box " << box;

  // Outside the box grown by the line width, and the label band above it,
  // nothing changes.
  cv::Mat drawable = cv::Mat::zeros(input.rows, input.cols, CV_8U);
  const int grow = 6, label = 40;
  cv::rectangle(drawable,
                cv::Rect(box.x - grow, box.y - grow - label, box.width + 2 * grow,
                         box.height + 2 * grow + label) & frame,
                cv::Scalar(255), cv::FILLED);
  EXPECT_EQ(changed_pixels(d.rgb, input, ~drawable), 0u) << "drawing outside the face box";

  if (format != "RGB") {
    EXPECT_EQ(changed_pixels(d.rgb, ref.rgb), 0u) << format << " drawing differs from RGB";
  }
}

INSTANTIATE_TEST_SUITE_P(PackedFormats, OverlayFormat, ::testing::ValuesIn(kPackedFormats),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// Without facelandmarks upstream: frames pass byte for byte, one warning in
// total (not one per frame), no error.
TEST(OverlayElement, NoMetaPassesUnchangedAndWarnsOnce) {
  const cv::Mat& rgb = still();
  ASSERT_FALSE(rgb.empty());
  Harness t("overlay", rgb_caps(rgb.cols, rgb.rows));
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(t.push(rgb_buffer(rgb, i)), GST_FLOW_OK);
    GstBuffer* out = t.pull();
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(faces_meta(out), nullptr);
    const cv::Mat got = buffer_to_rgb(out, rgb.cols, rgb.rows);
    EXPECT_EQ(changed_pixels(got, rgb), 0u) << "frame " << i;
    gst_buffer_unref(out);
  }
  Messages m = t.messages();
  EXPECT_EQ(m.count(GST_MESSAGE_WARNING), 1u) << m.describe();
  EXPECT_EQ(m.count(GST_MESSAGE_ERROR), 0u) << m.describe();
}

// A faces meta with no faces (blank frame) draws nothing.
TEST(OverlayElement, NoFacesDrawsNothing) {
  const cv::Mat grey(288, 360, CV_8UC3, cv::Scalar(128, 128, 128));
  Harness t("facelandmarks ! overlay landmarks=both", rgb_caps(grey.cols, grey.rows));
  ASSERT_EQ(t.push(rgb_buffer(grey, 0)), GST_FLOW_OK);
  GstBuffer* out = t.pull();
  ASSERT_NE(out, nullptr);
  ASSERT_NE(faces_meta(out), nullptr);
  EXPECT_EQ(changed_pixels(buffer_to_rgb(out, grey.cols, grey.rows), grey), 0u);
  gst_buffer_unref(out);
  Messages m = t.messages();
  EXPECT_EQ(m.count(GST_MESSAGE_WARNING) + m.count(GST_MESSAGE_ERROR), 0u) << m.describe();
}

// draw-axes alone draws the head axes: pixels change only with it, and only
// within the box's height of the nose tip (each axis is half that long).
TEST(OverlayElement, DrawAxesOnlyWhenAsked) {
  const cv::Mat& rgb = still();
  auto drawn = [&](bool axes, cv::Point2f* nose, float* box_height) {
    Harness t(std::string("facelandmarks ! overlay draw-boxes=false draw-ids=false landmarks=none draw-axes=") +
                  (axes ? "true" : "false"),
              rgb_caps(rgb.cols, rgb.rows));
    EXPECT_EQ(t.push(rgb_buffer(rgb, 0)), GST_FLOW_OK);
    GstBuffer* out = t.pull();
    EXPECT_NE(out, nullptr);
    cv::Mat result;
    if (!out) return result;
    GstFerFacesMeta* meta = faces_meta(out);
    EXPECT_TRUE(meta && meta->faces->faces.size() == 1u && meta->faces->faces[0].pose);
    if (meta && !meta->faces->faces.empty()) {
      *nose = {meta->faces->faces[0].landmarks[1].x, meta->faces->faces[0].landmarks[1].y};
      *box_height = meta->faces->faces[0].bbox.height;
    }
    result = buffer_to_rgb(out, rgb.cols, rgb.rows);
    gst_buffer_unref(out);
    return result;
  };
  cv::Point2f nose;
  float box_height = 0;
  EXPECT_EQ(changed_pixels(drawn(false, &nose, &box_height), rgb), 0u);
  const cv::Mat with_axes = drawn(true, &nose, &box_height);
  const size_t changed = changed_pixels(with_axes, rgb);
  EXPECT_GT(changed, 200u);
  cv::Mat far(rgb.rows, rgb.cols, CV_8U, cv::Scalar(255));
  cv::circle(far, nose, static_cast<int>(0.5f * box_height + 8), cv::Scalar(0), cv::FILLED);
  EXPECT_EQ(changed_pixels(with_axes, rgb, far), 0u) << "drawing far from the nose tip";
}

namespace {

struct EmotionDrawing {
  cv::Mat input, output;
  cv::Rect2f bbox;
  std::string label;
};

// franck_04117 (a broad smile) scaled to `height` rows through facelandmarks
// ! emotionclassify ! overlay with only the emotion drawn.
EmotionDrawing draw_emotion(int height, bool emotion, bool bars) {
  EmotionDrawing d;
  const cv::Mat smile = load_rgb(media_path("franck_04117.jpg"));
  cv::resize(smile, d.input, {smile.cols * height / smile.rows, height}, 0, 0, cv::INTER_AREA);
  Harness t(std::string("facelandmarks ! emotionclassify ! overlay draw-boxes=false draw-ids=false landmarks=none") +
                " draw-emotion=" + (emotion ? "true" : "false") + " draw-emotion-bars=" + (bars ? "true" : "false"),
            rgb_caps(d.input.cols, d.input.rows));
  EXPECT_EQ(t.push(rgb_buffer(d.input, 0)), GST_FLOW_OK);
  GstBuffer* out = t.pull();
  EXPECT_NE(out, nullptr);
  if (!out) return d;
  GstFerFacesMeta* meta = faces_meta(out);
  EXPECT_TRUE(meta && meta->faces->faces.size() == 1u && meta->faces->faces[0].emotion);
  if (meta && meta->faces->faces.size() == 1u && meta->faces->faces[0].emotion) {
    d.bbox = meta->faces->faces[0].bbox;
    d.label = meta->faces->faces[0].emotion->label;
  }
  d.output = buffer_to_rgb(out, d.input.cols, d.input.rows);
  gst_buffer_unref(out);
  return d;
}

// Bounds of the pixels drawn in exactly this RGB colour.
cv::Rect pixels_of_colour(const cv::Mat& rgb, cv::Vec3b colour) {
  cv::Mat mask;
  cv::inRange(rgb, cv::Scalar(colour[0], colour[1], colour[2]), cv::Scalar(colour[0], colour[1], colour[2]), mask);
  return cv::boundingRect(mask);
}

}  // namespace

// The label tag (in happy's yellow, under the box) and the probability bars
// (beside it) are drawn only when asked, and scale with the frame: readable
// at 288p, proportionally larger at 2160p.
TEST(OverlayElement, EmotionLabelAndBarsScaleFrom288pTo4K) {
  const cv::Vec3b happy(255, 205, 0);  // overlay_renderer.cpp's colour for happy
  int tag_height[2] = {0, 0};
  const int heights[2] = {288, 2160};
  for (int i = 0; i < 2; ++i) {
    const EmotionDrawing none = draw_emotion(heights[i], false, false);
    EXPECT_EQ(changed_pixels(none.output, none.input), 0u) << heights[i] << "p";

    const EmotionDrawing label = draw_emotion(heights[i], true, false);
    ASSERT_EQ(label.label, "happy") << heights[i] << "p";
    const cv::Rect tag = pixels_of_colour(label.output, happy);
    ASSERT_GT(tag.area(), 0) << heights[i] << "p: no yellow tag";
    EXPECT_GE(tag.y, int(label.bbox.y + label.bbox.height)) << "the tag is under the box";
    EXPECT_LE(std::abs(tag.x - int(label.bbox.x)), 2);
    tag_height[i] = tag.height;

    // Bars add drawing beside the box, none inside it.
    const EmotionDrawing with_bars = draw_emotion(heights[i], true, true);
    cv::Mat beside(with_bars.input.rows, with_bars.input.cols, CV_8U, cv::Scalar(0));
    beside(cv::Rect(int(with_bars.bbox.x + with_bars.bbox.width), 0,
                    with_bars.input.cols - int(with_bars.bbox.x + with_bars.bbox.width), with_bars.input.rows))
        .setTo(255);
    EXPECT_GT(changed_pixels(with_bars.output, label.output, beside), 0u) << heights[i] << "p: no bars";
    cv::Mat inside(with_bars.input.rows, with_bars.input.cols, CV_8U, cv::Scalar(0));
    inside(cv::Rect(with_bars.bbox)).setTo(255);
    EXPECT_EQ(changed_pixels(with_bars.output, label.output, inside), 0u) << heights[i] << "p";
  }
  std::printf("label tag height: %d px at 288p, %d px at 2160p\n", tag_height[0], tag_height[1]);
  EXPECT_GE(tag_height[0], 12);  // text of about 10 px and its margin
  const double ratio = double(tag_height[1]) / tag_height[0];
  EXPECT_GT(ratio, 4.5);
  EXPECT_LT(ratio, 9.0);
}
