// SPDX-License-Identifier: LGPL-2.1-or-later
// ClipExtractor — one video clip, decoded with GStreamer and run through the
// same core stages as facelandmarks, encoded whole with the Haar wavelet.
//
// WHAT THIS DOES
//   Decodes the clip with fer_tools::decode_video (video_decoder.h), so the
//   frames are the ones `filesrc ! decodebin ! videoconvert ! facelandmarks`
//   sees.
//   Each frame goes through fer::FaceTracker (facelandmarks' defaults, except
//   max_faces = 1: the DFEW wavelet recipe follows one face per clip) and
//   fer::FaceAnalyzer, as gstfacelandmarks.cpp does. For every frame with a
//   face, its landmarks in the chosen space (fer::landmark_features: by
//   default normalised by the frame size, x / width, y / height, z / width) and its 52 blendshapes (zeros when the
//   pose could not be fitted) are appended to the clip's trajectories; the
//   T frames with a face are then encoded with fer::wavelet_encode (N = 10, no
//   detail bands): (10, 478, 3) and (10, 52).
//
//   Seed 000's quality rules decide `flagged`: fewer than 10 frames with a
//   face, a face in under 90 % of the decoded frames, or a clip that could not
//   be decoded to its end (decode_video's errors: missing file, corrupt
//   data, no video stream, a stall, a truncated or damaged file that decodes
//   to its end of stream without an error). A flagged clip's features are zeros ("failed
//   videos: filled with zero features and flagged for review") and `reason`
//   says why.
//
// ENSURES
//   extract() never throws for anything a clip contains: every decoding
//   problem ends in a result with `error` set. Every wait on the pipeline is
//   bounded (as in decode_video).
//
// THREAD SAFETY
//   One instance per thread; instances are independent (each owns its
//   tracker and analyzer). gst_init() must have been called.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fer/face_analytics.h"
#include "fer/landmark_space.h"

namespace fer_extract {

constexpr int kCoefficients = 10;         // N, the DFEW wavelet recipe (docs/features.md)
constexpr int kMinFramesWithFace = 10;    // the DFEW recipe's quality rules
constexpr double kMinFaceFraction = 0.9;  // the DFEW recipe's quality rules

struct ClipFeatures {
  std::int64_t frames_total = 0;       // frames decoded
  std::int64_t frames_with_face = 0;   // T
  int valid_coefficients = 0;          // rows of the encoding that carry data (0 if zero-filled)
  bool flagged = false;
  bool error = false;                  // the clip could not be decoded to its end
  bool cancelled = false;              // extract() was cancelled (error is set too)
  std::string reason;                  // why flagged, "" if not
  std::vector<float> landmarks;        // kCoefficients * 478 * 3
  std::vector<float> blendshapes;      // kCoefficients * 52
};

// The flag and reason of the DFEW recipe's quality rules (docs/features.md) for these counts ("" when
// the clip passes).
std::string quality_problem(std::int64_t frames_total, std::int64_t frames_with_face);

class ClipExtractor {
 public:
  // Loads the models (throws fer::ModelNotFound / fer::Error as
  // FaceTracker::Create and FaceAnalyzer::Create do).
  // `space`: the landmark coordinates encoded (fer/landmark_space.h).
  ClipExtractor(const std::string& model_dir, fer::LandmarkSpace space,
                fer::InferenceEngine engine = fer::InferenceEngine::kAuto);

  // Decodes and encodes the clip at `path`. When `*cancel` becomes true
  // the clip ends at the next frame with error set and reason "interrupted".
  ClipFeatures extract(const std::string& path, const std::atomic<bool>* cancel = nullptr);

 private:
  std::unique_ptr<fer::FaceAnalytics> analytics_;
  fer::LandmarkSpace space_;
};

}  // namespace fer_extract
