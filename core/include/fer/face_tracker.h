// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::FaceTracker — faces followed from frame to frame with stable ids.
//
// WHAT THIS DOES
//   As MediaPipe's face mesh in video mode: a tracked face's landmarks in
//   frame t give its region in frame t+1, so the landmark model alone follows
//   it. The detector runs only to find faces not yet tracked: on every
//   detect_interval-th frame while fewer than max_faces are tracked, and at
//   once on a frame where a track was lost (presence below
//   min_presence_confidence). A detection whose region overlaps a tracked
//   face's (IoU > 0.5) is that face and does not start a track; two tracks
//   that converge on one face are merged into the older one.
//
// OPTIONS (defaults in brackets)
//   max_faces                 [4]    most faces tracked at once (>= 1)
//   detector                  [ShortRange]
//   min_detection_confidence  [0.5]
//   min_presence_confidence   [0.5]
//   detect_interval           [10]   frames between detector runs (>= 1)
//   model_dir                 [""]
//
// ENSURES
//   Process() returns the faces of this frame ordered by id; ids are never
//   reused within a tracker's life (Reset() keeps counting).
//
// THREAD SAFETY
//   One instance per stream.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fer/face.h"
#include "fer/face_detector.h"
#include "fer/face_landmarker.h"
#include "fer/image.h"
#include "fer/roi.h"

namespace fer {

struct FaceTrackerOptions {
  int max_faces = 4;
  DetectorModel detector = DetectorModel::ShortRange;
  float min_detection_confidence = 0.5f;
  float min_presence_confidence = 0.5f;
  int detect_interval = 10;
  std::string model_dir;
  InferenceEngine engine = InferenceEngine::kAuto;  // of every network
};

class FaceTracker {
 public:
  static std::unique_ptr<FaceTracker> Create(const FaceTrackerOptions& options);

  std::vector<Face> Process(const ImageView& frame);

  // Forget every track (after a seek or a discontinuity).
  void Reset();

  // How many times the detector ran (for statistics and tests).
  std::int64_t detector_runs() const { return detector_runs_; }

 private:
  struct Track {
    int id;
    Roi roi;  // region for the next frame
    Face face;
  };

  FaceTracker(const FaceTrackerOptions& options, std::unique_ptr<FaceDetector> detector,
              std::unique_ptr<FaceLandmarker> landmarker);
  bool Follow(const ImageView& frame, Track& track);
  void DetectNewFaces(const ImageView& frame);
  void MergeDuplicates();

  FaceTrackerOptions options_;
  std::unique_ptr<FaceDetector> detector_;
  std::unique_ptr<FaceLandmarker> landmarker_;
  std::vector<Track> tracks_;
  int next_id_ = 0;
  std::int64_t frame_index_ = 0;
  std::int64_t detector_runs_ = 0;
};

}  // namespace fer
