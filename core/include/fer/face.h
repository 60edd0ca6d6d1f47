// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::Face and fer::FrameFaces — the per-frame result every stage enriches.
//
// Coordinates are frame pixels; landmark z is on x's scale. Optional parts
// (set by later stages) are empty when their stage did not run.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "fer/landmark_space.h"

namespace fer {

constexpr int kMeshLandmarks = 468;  // the face mesh
constexpr int kFaceLandmarks = 478;  // mesh + 2 x 5 iris points

// Head pose as MediaPipe's face geometry defines it (fer/face_geometry.h).
struct HeadPose {
  cv::Matx44f transform;              // canonical face space -> camera space (cm)
  float yaw = 0.0f;                   // degrees; conventions in fer/face_geometry.h
  float pitch = 0.0f;
  float roll = 0.0f;
};

// A window of a track's history encoded with the Haar wavelet
// (fer/wavelet.h), as waveletencode attaches it.
struct FaceFeatures {
  std::int64_t start_frame = 0;       // first and last frame of the window
  std::int64_t end_frame = 0;
  std::optional<std::int64_t> start_pts;  // their timestamps (ns), when known
  std::optional<std::int64_t> end_pts;
  int samples = 0;                    // T: frames in the window (frames with this face)
  int level = 0;                      // L: Haar levels applied
  int valid = 0;                      // valid approximation coefficients (the rest are zeros)
  int coefficients = 0;               // N
  int rows = 0;                       // N * 2^detail levels (fer/wavelet.h)
  LandmarkSpace space = LandmarkSpace::Image;  // of `landmarks` (fer/landmark_space.h)
  // Row-major (rows, 478, 3): landmarks in image space (x, y in [0, 1] of
  // the frame, z on x's scale) or in canonical face space (cm),
  // approximation band first.
  std::vector<float> landmarks;
  std::vector<float> blendshapes;     // (rows, 52)
};

// The emotion of a face as emotionclassify decides it (fer/emotion_classifier.h).
struct EmotionProbability {
  std::string label;                  // canonical name (fer/emotion_labels.h)
  float probability = 0.0f;
};

struct Emotion {
  std::string label;                  // the most probable class, or "unknown"
  float confidence = 0.0f;            // its probability
  std::vector<EmotionProbability> probabilities;  // every class, model order
};

struct Face {
  int id = -1;                        // track id, stable while the face is tracked
  cv::Rect2f bbox;                    // bounds of the landmarks, clipped to the frame
  float score = 0.0f;                 // face presence probability
  std::vector<cv::Point3f> landmarks; // 478 points, or empty
  // The same points with head pose and scale removed: fitted onto
  // MediaPipe's canonical face, in its space and units (cm); set with the
  // pose (FaceAnalyzer), empty when the fit failed.
  std::vector<cv::Point3f> canonical_landmarks;
  std::vector<float> blendshapes;     // 52 in [0, 1] (fer/blendshapes.h), or empty
  std::optional<HeadPose> pose;
  // Shared: metas are copied per buffer, features are large and read-only.
  std::shared_ptr<const FaceFeatures> features;
  std::optional<Emotion> emotion;
};

struct FrameFaces {
  std::int64_t frame = 0;             // 0-based index in the stream
  std::optional<std::int64_t> pts;    // nanoseconds, when known
  int width = 0;
  int height = 0;
  std::vector<Face> faces;
};

}  // namespace fer
