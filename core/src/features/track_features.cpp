// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/track_features.h"

#include <algorithm>
#include <set>
#include <string>

#include "fer/blendshapes.h"
#include "fer/error.h"

namespace fer {

std::vector<float> normalised_landmarks(const Face& face, int width, int height) {
  std::vector<float> out;
  out.reserve(face.landmarks.size() * 3);
  const float sx = 1.0f / static_cast<float>(width), sy = 1.0f / static_cast<float>(height);
  for (const cv::Point3f& p : face.landmarks) {
    out.push_back(p.x * sx);
    out.push_back(p.y * sy);
    out.push_back(p.z * sx);  // z is on x's scale
  }
  return out;
}

std::vector<float> landmark_features(const Face& face, int width, int height, LandmarkSpace space) {
  if (space == LandmarkSpace::Image) return normalised_landmarks(face, width, height);
  std::vector<float> out(static_cast<std::size_t>(kFaceLandmarks) * 3, 0.0f);
  if (face.canonical_landmarks.size() != static_cast<std::size_t>(kFaceLandmarks)) return out;
  for (int i = 0; i < kFaceLandmarks; ++i) {
    const cv::Point3f& p = face.canonical_landmarks[static_cast<std::size_t>(i)];
    out[3 * i] = p.x;
    out[3 * i + 1] = p.y;
    out[3 * i + 2] = p.z;
  }
  return out;
}

std::vector<float> blendshapes_or_zeros(const Face& face) {
  if (face.blendshapes.size() == static_cast<std::size_t>(kBlendshapeCount)) return face.blendshapes;
  return std::vector<float>(kBlendshapeCount, 0.0f);
}

std::unique_ptr<TrackFeatureEncoder> TrackFeatureEncoder::Create(const TrackFeatureOptions& options) {
  auto positive = [](int value, const char* name) {
    if (value < 1) throw Error(std::string("wavelet features: ") + name + " must be at least 1, not " +
                               std::to_string(value));
  };
  positive(options.window, "window");
  positive(options.hop, "hop");
  positive(options.min_frames, "min-frames");
  if (options.min_frames > options.window)
    throw Error("wavelet features: min-frames (" + std::to_string(options.min_frames) +
                ") is larger than window (" + std::to_string(options.window) + ")");
  // The detail levels must exist for a full window (shorter histories,
  // encoded when a track ends, get zeros for the levels they lack).
  wavelet_shape(options.window, options.wavelet);
  return std::unique_ptr<TrackFeatureEncoder>(new TrackFeatureEncoder(options));
}

std::shared_ptr<const FaceFeatures> TrackFeatureEncoder::Encode(const Track& track, int samples) const {
  const auto first = track.history.end() - samples;
  std::vector<float> landmarks, blendshapes;
  landmarks.reserve(static_cast<std::size_t>(samples) * kFaceLandmarks * 3);
  blendshapes.reserve(static_cast<std::size_t>(samples) * kBlendshapeCount);
  for (auto it = first; it != track.history.end(); ++it) {
    landmarks.insert(landmarks.end(), it->landmarks.begin(), it->landmarks.end());
    blendshapes.insert(blendshapes.end(), it->blendshapes.begin(), it->blendshapes.end());
  }
  WaveletOptions wavelet = options_.wavelet;
  const int full_rows = wavelet_shape(options_.window, wavelet).rows;
  wavelet.detail_levels = std::min(wavelet.detail_levels, wavelet_shape(samples, {wavelet.coefficients, 0}).L);
  auto features = std::make_shared<FaceFeatures>();
  WaveletShape shape;
  features->landmarks = wavelet_encode(landmarks, samples, kFaceLandmarks * 3, wavelet, &shape);
  features->blendshapes = wavelet_encode(blendshapes, samples, kBlendshapeCount, wavelet);
  // Same shape for every encoding: the bands a short history lacks are zeros.
  features->landmarks.resize(static_cast<std::size_t>(full_rows) * kFaceLandmarks * 3, 0.0f);
  features->blendshapes.resize(static_cast<std::size_t>(full_rows) * kBlendshapeCount, 0.0f);
  features->start_frame = first->frame;
  features->start_pts = first->pts;
  features->end_frame = track.history.back().frame;
  features->end_pts = track.history.back().pts;
  features->samples = shape.T;
  features->level = shape.L;
  features->valid = shape.valid;
  features->coefficients = options_.wavelet.coefficients;
  features->rows = full_rows;
  features->space = options_.space;
  return features;
}

void TrackFeatureEncoder::Add(FrameFaces& frame) {
  for (Face& face : frame.faces) {
    if (static_cast<int>(face.landmarks.size()) != kFaceLandmarks) continue;
    Track& track = tracks_[face.id];
    track.history.push_back({frame.frame, frame.pts,
                             landmark_features(face, frame.width, frame.height, options_.space),
                             blendshapes_or_zeros(face)});
    if (static_cast<int>(track.history.size()) > options_.window) track.history.pop_front();
    ++track.frames;
    ++track.uncovered;
    if (track.frames >= options_.window && (track.frames - options_.window) % options_.hop == 0) {
      face.features = Encode(track, options_.window);
      track.uncovered = 0;
    }
  }
}

void TrackFeatureEncoder::Finish(FrameFaces& last, const FrameFaces* next) {
  std::set<int> continuing;
  if (next)
    for (const Face& face : next->faces) continuing.insert(face.id);
  for (Face& face : last.faces) {
    if (continuing.count(face.id)) continue;
    auto it = tracks_.find(face.id);
    if (it == tracks_.end()) continue;
    const Track& track = it->second;
    int samples = static_cast<int>(track.history.size());
    if (track.uncovered > 0 && samples >= options_.min_frames) face.features = Encode(track, samples);
    tracks_.erase(it);
  }
  // Tracks that vanished without a face in `last` (not expected from the
  // tracker, but frames may be dropped upstream) are forgotten too.
  for (auto it = tracks_.begin(); it != tracks_.end();) {
    bool in_last = std::any_of(last.faces.begin(), last.faces.end(),
                               [&](const Face& f) { return f.id == it->first; });
    it = in_last ? std::next(it) : tracks_.erase(it);
  }
}

}  // namespace fer
