// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::TrackFeatureEncoder — per-track landmark and blendshape histories,
// encoded with the Haar wavelet over sliding windows (waveletencode).
//
// WHAT THIS REPRESENTS
//   For every track id it keeps the last `window` frames of the face:
//   normalised landmarks (x / width, y / height, z / width: MediaPipe's
//   normalised coordinates) and blendshapes (zeros when the face has none).
//   Add() appends a frame; when a track has `window` frames, and then every
//   `hop` frames, the last `window` frames are encoded (wavelet_encode) and
//   attached to that face as Face::features. Finish() ends tracks: for each
//   face of `last` whose id is not in `next` (every face when there is no
//   next frame, e.g. at the end of the stream) the frames not yet covered by
//   an encoding are encoded, as the last min(history, window) frames, if
//   the track has at least `min_frames` frames; the track is then forgotten.
//
// REQUIRES
//   Frames in stream order; Finish(last, next) before Add(next).
//
// THREAD SAFETY
//   None: one encoder per stream, called from one thread at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "fer/face.h"
#include "fer/landmark_space.h"
#include "fer/wavelet.h"

namespace fer {

struct TrackFeatureOptions {
  int window = 80;       // frames per encoding
  int hop = 8;           // frames between encodings of a track
  int min_frames = 10;   // shortest history encoded when a track ends (the DFEW wavelet recipe)
  LandmarkSpace space = LandmarkSpace::Image;
  WaveletOptions wavelet;
};

class TrackFeatureEncoder {
 public:
  // Throws fer::Error naming an invalid option (window, hop, min_frames < 1,
  // min_frames > window, wavelet options).
  static std::unique_ptr<TrackFeatureEncoder> Create(const TrackFeatureOptions& options);

  void Add(FrameFaces& frame);
  void Finish(FrameFaces& last, const FrameFaces* next);
  void Reset() { tracks_.clear(); }

  int tracks() const { return static_cast<int>(tracks_.size()); }

 private:
  struct Sample {
    std::int64_t frame;
    std::optional<std::int64_t> pts;
    std::vector<float> landmarks;    // 478 * 3, in options_.space
    std::vector<float> blendshapes;  // 52
  };
  struct Track {
    std::deque<Sample> history;      // the last `window` frames
    std::int64_t frames = 0;         // frames seen in all
    std::int64_t uncovered = 0;      // frames since the last encoding
  };

  explicit TrackFeatureEncoder(const TrackFeatureOptions& options) : options_(options) {}
  std::shared_ptr<const FaceFeatures> Encode(const Track& track, int samples) const;

  TrackFeatureOptions options_;
  std::map<int, Track> tracks_;
};

// One frame's face as the features encode it: landmarks normalised by the
// frame size (x / width, y / height, z / width), 478 * 3 floats.
std::vector<float> normalised_landmarks(const Face& face, int width, int height);

// One frame's face's landmarks in `space`, 478 * 3 floats (see
// LandmarkSpace).
std::vector<float> landmark_features(const Face& face, int width, int height, LandmarkSpace space);

// One frame's face's blendshapes as the features encode them: its 52
// coefficients, or 52 zeros when it has none.
std::vector<float> blendshapes_or_zeros(const Face& face);

}  // namespace fer
