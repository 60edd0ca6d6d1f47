// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/face_analyzer.h"

#include "face/face_geometry.h"
#include "fer/error.h"

namespace fer {

std::unique_ptr<FaceAnalyzer> FaceAnalyzer::Create(const FaceAnalyzerOptions& options) {
  FaceGeometryOptions geometry;
  geometry.model_dir = options.model_dir;
  return std::unique_ptr<FaceAnalyzer>(new FaceAnalyzer(FaceGeometry::Create(geometry)));
}

FaceAnalyzer::FaceAnalyzer(std::unique_ptr<FaceGeometry> geometry)
    : geometry_(std::move(geometry)) {}

FaceAnalyzer::~FaceAnalyzer() = default;

void FaceAnalyzer::Analyze(FrameFaces& frame) const {
  for (Face& face : frame.faces) {
    face.pose.reset();
    face.blendshapes.clear();
    face.canonical_landmarks.clear();
    if (static_cast<int>(face.landmarks.size()) != kFaceLandmarks) continue;
    FacePose pose;
    try {
      pose = geometry_->Estimate(face.landmarks, frame.width, frame.height);
    } catch (const Error&) {
      continue;  // collapsed landmarks: no pose, no blendshapes, still a face
    }
    face.pose = HeadPose{pose.transform, pose.yaw, pose.pitch, pose.roll};
    face.canonical_landmarks = geometry_->AlignToCanonical(face.landmarks);
    face.blendshapes = estimate_blendshapes(face.canonical_landmarks);
  }
}

}  // namespace fer
