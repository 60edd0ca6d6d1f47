// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/face_tracker.h"

#include <algorithm>
#include <cmath>

#include "face/detection_decoder.h"
#include "fer/error.h"

namespace fer {
namespace {

constexpr float kSameFaceIou = 0.5f;
constexpr float kMinRoiSide = 8.0f;  // pixels; smaller regions cannot hold a face

cv::Rect2f roi_bounds(const Roi& roi) {
  return {roi.center.x - roi.size.width / 2, roi.center.y - roi.size.height / 2,
          roi.size.width, roi.size.height};
}

cv::Rect2f clipped_bounds(const std::vector<cv::Point3f>& points, int width, int height) {
  const cv::Rect2f frame(0, 0, static_cast<float>(width), static_cast<float>(height));
  return landmark_bounds(points) & frame;
}

bool usable(const Roi& roi) {
  return std::isfinite(roi.center.x) && std::isfinite(roi.center.y) &&
         std::isfinite(roi.rotation) && roi.size.width >= kMinRoiSide;
}

}  // namespace

std::unique_ptr<FaceTracker> FaceTracker::Create(const FaceTrackerOptions& options) {
  if (options.max_faces < 1) throw Error("face tracker: max_faces must be at least 1");
  if (options.detect_interval < 1) throw Error("face tracker: detect_interval must be at least 1");
  if (!(options.min_presence_confidence >= 0.0f && options.min_presence_confidence <= 1.0f))
    throw Error("face tracker: min_presence_confidence must be in [0, 1]");
  FaceDetectorOptions d;
  d.model = options.detector;
  d.min_score = options.min_detection_confidence;
  d.model_dir = options.model_dir;
  d.engine = options.engine;
  FaceLandmarkerOptions l;
  l.model_dir = options.model_dir;
  l.engine = options.engine;
  return std::unique_ptr<FaceTracker>(
      new FaceTracker(options, FaceDetector::Create(d), FaceLandmarker::Create(l)));
}

FaceTracker::FaceTracker(const FaceTrackerOptions& options, std::unique_ptr<FaceDetector> detector,
                         std::unique_ptr<FaceLandmarker> landmarker)
    : options_(options), detector_(std::move(detector)), landmarker_(std::move(landmarker)) {}

void FaceTracker::Reset() {
  tracks_.clear();
  frame_index_ = 0;
}

// Runs the landmark model on the track's region; false when the face is gone.
bool FaceTracker::Follow(const ImageView& frame, Track& track) {
  if (!usable(track.roi)) return false;
  FaceLandmarks lm = landmarker_->Detect(frame, track.roi);
  if (lm.presence < options_.min_presence_confidence) return false;
  track.face.id = track.id;
  track.face.score = lm.presence;
  track.face.bbox = clipped_bounds(lm.points, frame.width, frame.height);
  track.face.landmarks = std::move(lm.points);
  track.roi = face_roi_from_landmarks(track.face.landmarks);
  return true;
}

void FaceTracker::DetectNewFaces(const ImageView& frame) {
  ++detector_runs_;
  for (const Detection& d : detector_->Detect(frame)) {
    if (static_cast<int>(tracks_.size()) >= options_.max_faces) break;
    const Roi roi = face_roi_from_detection(d);
    const bool known = std::any_of(tracks_.begin(), tracks_.end(), [&](const Track& t) {
      return intersection_over_union(roi_bounds(t.roi), roi_bounds(roi)) > kSameFaceIou;
    });
    if (known) continue;
    Track track{next_id_, roi, {}};
    if (!Follow(frame, track)) continue;
    ++next_id_;
    tracks_.push_back(std::move(track));
  }
}

void FaceTracker::MergeDuplicates() {
  // Tracks are kept in id order, so the older of two is met first.
  for (size_t i = 0; i < tracks_.size(); ++i)
    for (size_t j = tracks_.size(); j-- > i + 1;)
      if (intersection_over_union(roi_bounds(tracks_[i].roi), roi_bounds(tracks_[j].roi)) >
          kSameFaceIou)
        tracks_.erase(tracks_.begin() + static_cast<std::ptrdiff_t>(j));
}

std::vector<Face> FaceTracker::Process(const ImageView& frame) {
  bool lost = false;
  for (size_t i = 0; i < tracks_.size();) {
    if (Follow(frame, tracks_[i])) {
      ++i;
    } else {
      tracks_.erase(tracks_.begin() + static_cast<std::ptrdiff_t>(i));
      lost = true;
    }
  }
  MergeDuplicates();
  const bool room = static_cast<int>(tracks_.size()) < options_.max_faces;
  if (room && (lost || frame_index_ % options_.detect_interval == 0)) {
    DetectNewFaces(frame);
    MergeDuplicates();
  }
  ++frame_index_;
  std::vector<Face> faces;
  faces.reserve(tracks_.size());
  for (const Track& t : tracks_) faces.push_back(t.face);
  return faces;
}

}  // namespace fer
