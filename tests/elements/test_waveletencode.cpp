// SPDX-License-Identifier: LGPL-2.1-or-later
// waveletencode with GstHarness: faces metadata with known landmark and
// blendshape trajectories goes in; the features on the faces that come out
// must be the block means of those trajectories, on the frames the element
// documents (every hop once a window is full; a track's last frame when it
// ends or the stream ends), with tracks kept apart.
#include <cmath>
#include <map>
#include <set>

#include "fer/blendshapes.h"
#include "gst_test_support.h"

namespace {

using namespace fer::test;

constexpr int kWidth = 640, kHeight = 480;

// Landmark k of face `id` at frame t: a different ramp per face and frame.
cv::Point3f landmark(int id, int t, int k) {
  return {10.0f + 3.0f * t + 50.0f * id + 0.01f * k, 20.0f + 0.5f * t * t / 10.0f + id, -2.0f * id + 0.001f * k};
}
float blendshape(int id, int t, int i) { return std::fmod(0.01f * (t + 7 * id + i), 1.0f); }

const GstMetaInfo* faces_meta_info() { return gst_meta_get_info("GstFerFacesMeta"); }

// A frame with the faces `ids`; timestamps at 25 fps.
GstBuffer* frame_with_faces(int t, const std::vector<int>& ids) {
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, 16, nullptr);
  GST_BUFFER_PTS(buffer) = t * GST_SECOND / 25;
  auto* meta = reinterpret_cast<GstFerFacesMeta*>(gst_buffer_add_meta(buffer, faces_meta_info(), nullptr));
  fer::FrameFaces& frame = *meta->faces;
  frame.frame = t;
  frame.pts = static_cast<std::int64_t>(GST_BUFFER_PTS(buffer));
  frame.width = kWidth;
  frame.height = kHeight;
  for (int id : ids) {
    fer::Face face;
    face.id = id;
    for (int k = 0; k < fer::kFaceLandmarks; ++k) face.landmarks.push_back(landmark(id, t, k));
    for (int i = 0; i < fer::kBlendshapeCount; ++i) face.blendshapes.push_back(blendshape(id, t, i));
    frame.faces.push_back(face);
  }
  return buffer;
}

// The expected approximation band: block means of 2^L frames of the frames
// [first, last] of a track, padded with the last frame (the DFEW wavelet recipe's rule, docs/features.md).
struct Expected {
  int T, L, valid;
  std::vector<double> x_of_landmark5;   // normalised x of landmark 5, per coefficient
  std::vector<double> blendshape3;
};
Expected expected(int id, int first, int last, int n) {
  Expected e;
  e.T = last - first + 1;
  e.L = 0;
  while (e.T > n * (1 << e.L)) ++e.L;
  const int block = 1 << e.L;
  e.valid = (e.T + block - 1) / block;
  for (int c = 0; c < e.valid; ++c) {
    double sx = 0, sb = 0;
    for (int j = 0; j < block; ++j) {
      const int t = std::min(first + c * block + j, last);
      sx += landmark(id, t, 5).x / kWidth;
      sb += blendshape(id, t, 3);
    }
    e.x_of_landmark5.push_back(sx / block);
    e.blendshape3.push_back(sb / block);
  }
  return e;
}

void expect_features(const fer::Face& face, int first, int last, int n) {
  ASSERT_TRUE(face.features) << "face " << face.id << " has no features";
  const fer::FaceFeatures& f = *face.features;
  const Expected e = expected(face.id, first, last, n);
  EXPECT_EQ(f.start_frame, first);
  EXPECT_EQ(f.end_frame, last);
  ASSERT_TRUE(f.start_pts && f.end_pts);
  EXPECT_EQ(*f.start_pts, static_cast<std::int64_t>(first * GST_SECOND / 25));
  EXPECT_EQ(*f.end_pts, static_cast<std::int64_t>(last * GST_SECOND / 25));
  EXPECT_EQ(f.samples, e.T);
  EXPECT_EQ(f.level, e.L);
  EXPECT_EQ(f.valid, e.valid);
  EXPECT_EQ(f.coefficients, n);
  ASSERT_EQ(f.landmarks.size(), static_cast<size_t>(n * fer::kFaceLandmarks * 3));
  ASSERT_EQ(f.blendshapes.size(), static_cast<size_t>(n * fer::kBlendshapeCount));
  for (int c = 0; c < n; ++c) {
    const double x = f.landmarks[(c * fer::kFaceLandmarks + 5) * 3];
    const double b = f.blendshapes[c * fer::kBlendshapeCount + 3];
    if (c < e.valid) {
      EXPECT_NEAR(x, e.x_of_landmark5[c], 1e-5) << "coefficient " << c;
      EXPECT_NEAR(b, e.blendshape3[c], 1e-5) << "coefficient " << c;
    } else {
      EXPECT_EQ(x, 0.0) << "padding row " << c;
      EXPECT_EQ(b, 0.0) << "padding row " << c;
    }
  }
}

struct Output {
  int frame;
  std::vector<fer::Face> faces;
};

// Pushes frames (each a list of face ids), then EOS; returns every buffer
// that came out, in order.
std::vector<Output> run(const std::string& launch, const std::vector<std::vector<int>>& frames) {
  Harness t(launch, "video/x-raw,format=RGB,width=640,height=480,framerate=25/1");
  std::vector<Output> out;
  auto take = [&](GstBuffer* b) {
    GstFerFacesMeta* meta = faces_meta(b);
    EXPECT_NE(meta, nullptr);
    if (meta) out.push_back({static_cast<int>(meta->faces->frame), meta->faces->faces});
    gst_buffer_unref(b);
  };
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(t.push(frame_with_faces(static_cast<int>(i), frames[i])), GST_FLOW_OK);
    // One frame is held back until the next arrives.
    EXPECT_EQ(gst_harness_buffers_received(t.h), static_cast<guint>(i));
    while (GstBuffer* b = gst_harness_try_pull(t.h)) take(b);
  }
  EXPECT_TRUE(gst_harness_push_event(t.h, gst_event_new_eos()));
  while (GstBuffer* b = gst_harness_try_pull(t.h)) take(b);
  Messages m = t.messages();
  EXPECT_EQ(m.count(GST_MESSAGE_ERROR) + m.count(GST_MESSAGE_WARNING), 0u) << m.describe();
  return out;
}

// Frames of `out` where face `id` carries features.
std::map<int, fer::Face> featured(const std::vector<Output>& out, int id) {
  std::map<int, fer::Face> r;
  for (const Output& o : out)
    for (const fer::Face& f : o.faces)
      if (f.id == id && f.features) r[o.frame] = f;
  return r;
}

TEST(WaveletEncodeElement, WindowThenEveryHopThenTheRestAtEos) {
  // Harness creation loads the plugin, which registers the meta.
  std::vector<std::vector<int>> frames(30, std::vector<int>{7});
  const auto out = run("waveletencode window=16 hop=4 coefficients=4 min-frames=4", frames);
  ASSERT_EQ(out.size(), 30u);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].frame, static_cast<int>(i));
  const auto got = featured(out, 7);
  // Full windows end at frames 15, 19, 23, 27; at EOS the two frames not
  // yet covered (28, 29) are encoded as the last window ending at 29.
  EXPECT_EQ(got.size(), 5u);
  for (int end : {15, 19, 23, 27, 29}) {
    SCOPED_TRACE("window ending at " + std::to_string(end));
    ASSERT_TRUE(got.count(end));
    expect_features(got.at(end), end - 15, end, 4);
  }
}

TEST(WaveletEncodeElement, TrackLossEncodesThePartialWindowOnItsLastFrame) {
  std::vector<std::vector<int>> frames;
  for (int t = 0; t < 12; ++t) frames.push_back({1});
  for (int t = 12; t < 20; ++t) frames.push_back({});
  const auto out = run("waveletencode window=16 hop=4 coefficients=4 min-frames=4", frames);
  const auto got = featured(out, 1);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got.count(11));
  expect_features(got.at(11), 0, 11, 4);  // T = 12 < window: the whole track, L = 2
}

TEST(WaveletEncodeElement, ShortTracksBelowMinFramesGetNothing) {
  std::vector<std::vector<int>> frames = {{3}, {3}, {3}, {}, {4}, {4}};
  const auto out = run("waveletencode window=16 hop=4 coefficients=4 min-frames=4", frames);
  EXPECT_TRUE(featured(out, 3).empty());
  EXPECT_TRUE(featured(out, 4).empty());  // ended by EOS with 2 frames
}

TEST(WaveletEncodeElement, TwoFacesKeptApart) {
  std::vector<std::vector<int>> frames;
  for (int t = 0; t < 20; ++t) frames.push_back(t < 6 ? std::vector<int>{1} : std::vector<int>{1, 2});
  const auto out = run("waveletencode window=10 hop=5 coefficients=10 min-frames=3", frames);
  const auto one = featured(out, 1), two = featured(out, 2);
  // Face 1: windows end at 9, 14, 19 (19 is also the stream's end, covered).
  EXPECT_EQ(one.size(), 3u);
  for (int end : {9, 14, 19}) {
    ASSERT_TRUE(one.count(end)) << end;
    expect_features(one.at(end), end - 9, end, 10);
  }
  // Face 2 appears at frame 6: windows end at 15, then its last 10 frames at EOS.
  EXPECT_EQ(two.size(), 2u);
  ASSERT_TRUE(two.count(15));
  expect_features(two.at(15), 6, 15, 10);
  ASSERT_TRUE(two.count(19));
  expect_features(two.at(19), 10, 19, 10);
}

TEST(WaveletEncodeElement, BuffersWithoutMetaPassWithOneWarning) {
  Harness t("waveletencode", "video/x-raw,format=RGB,width=640,height=480,framerate=25/1");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(t.push(gst_buffer_new_allocate(nullptr, 16, nullptr)), GST_FLOW_OK);
  EXPECT_TRUE(gst_harness_push_event(t.h, gst_event_new_eos()));
  EXPECT_EQ(gst_harness_buffers_received(t.h), 3u);
  Messages m = t.messages();
  EXPECT_EQ(m.count(GST_MESSAGE_WARNING), 1u) << m.describe();
  EXPECT_EQ(m.count(GST_MESSAGE_ERROR), 0u) << m.describe();
}

TEST(WaveletEncodeElement, MinFramesAboveWindow_n) {
  GstElement* e = gst_element_factory_make("waveletencode", nullptr);
  ASSERT_NE(e, nullptr);
  g_object_set(e, "window", 8, "min-frames", 10, nullptr);
  const StartError error = expect_start_fails(e);
  gst_object_unref(e);
  ASSERT_TRUE(error.posted);
  EXPECT_NE(error.debug.find("min-frames"), std::string::npos) << error.debug;
}

}  // namespace
