// SPDX-License-Identifier: LGPL-2.1-or-later
#include "clip_extractor.h"

#include <cstdio>
#include <exception>

#include "fer/blendshapes.h"
#include "fer/error.h"
#include "fer/face.h"
#include "fer/track_features.h"
#include "fer/wavelet.h"
#include "primary_face.h"
#include "video_decoder.h"

namespace fer_extract {

namespace {

constexpr std::size_t kLandmarkChannels = fer::kFaceLandmarks * 3;

std::string format_percent(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

}  // namespace

std::string quality_problem(std::int64_t frames_total, std::int64_t frames_with_face) {
  if (frames_total == 0) return "no video frames decoded";
  if (frames_with_face < kMinFramesWithFace)
    return "a face in only " + std::to_string(frames_with_face) + " frames (fewer than " +
           std::to_string(kMinFramesWithFace) + ")";
  // Integer form of frames_with_face < 0.9 * frames_total.
  if (frames_with_face * 10 < frames_total * 9)
    return "a face in " + format_percent(100.0 * frames_with_face / frames_total) + " % of " +
           std::to_string(frames_total) + " frames (under 90 %)";
  return {};
}

ClipExtractor::ClipExtractor(const std::string& model_dir, fer::LandmarkSpace space,
                             fer::InferenceEngine engine)
    : space_(space) {
  fer::FaceAnalyticsOptions options;  // facelandmarks' defaults ...
  options.tracking.max_faces = 1;     // ... but one face per clip (the DFEW recipe, docs/features.md)
  options.model_dir = model_dir;
  options.engine = engine;
  options.emotion = std::nullopt;     // the clip's features are encoded whole, below
  analytics_ = fer::FaceAnalytics::Create(options);
}

ClipFeatures ClipExtractor::extract(const std::string& path, const std::atomic<bool>* cancel) {
  ClipFeatures out;
  out.landmarks.assign(static_cast<std::size_t>(kCoefficients) * kLandmarkChannels, 0.0f);
  out.blendshapes.assign(static_cast<std::size_t>(kCoefficients) * fer::kBlendshapeCount, 0.0f);

  analytics_->Reset();  // a fresh stream, as a new facelandmarks instance sees it
  std::vector<float> landmarks, blendshapes;  // T x 1434, T x 52
  const fer_tools::DecodeResult decoded = fer_tools::decode_video(
      path,
      [&](const fer_tools::VideoFrame& frame) {
        fer::FrameFaces result;
        try {
          result = *analytics_->Process(frame.image, frame.pts);  // complete at once: no features
        } catch (const std::exception& e) {
          throw fer::Error(std::string("face analysis failed: ") + e.what());
        }
        if (const fer::Face* face = fer_tools::primary_face(result)) {
          const std::vector<float> points = fer::landmark_features(*face, result.width, result.height, space_);
          landmarks.insert(landmarks.end(), points.begin(), points.end());
          const std::vector<float> shapes = fer::blendshapes_or_zeros(*face);
          blendshapes.insert(blendshapes.end(), shapes.begin(), shapes.end());
          ++out.frames_with_face;
        }
        return true;
      },
      cancel);
  out.frames_total = decoded.frames;
  if (!decoded.error.empty()) {
    out.error = true;
    out.flagged = true;
    out.cancelled = decoded.cancelled;
    out.reason = decoded.error;
    return out;
  }

  out.reason = quality_problem(out.frames_total, out.frames_with_face);
  if (!out.reason.empty()) {
    out.flagged = true;  // zero-filled
    return out;
  }
  const int T = static_cast<int>(out.frames_with_face);
  fer::WaveletOptions wavelet;
  wavelet.coefficients = kCoefficients;
  fer::WaveletShape shape;
  out.landmarks = fer::wavelet_encode(landmarks, T, static_cast<int>(kLandmarkChannels), wavelet, &shape);
  out.blendshapes = fer::wavelet_encode(blendshapes, T, fer::kBlendshapeCount, wavelet);
  out.valid_coefficients = shape.valid;
  return out;
}

}  // namespace fer_extract
