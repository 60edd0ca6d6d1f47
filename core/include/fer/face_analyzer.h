// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::FaceAnalyzer — what follows from a face's landmarks: head pose and
// blendshapes.
//
// WHAT THIS REPRESENTS
//   The stages facelandmarks runs after the tracker, shared with the
//   command-line tools: FaceGeometry fits MediaPipe's canonical face to each
//   face's 478 landmarks (Face::pose), the landmarks are aligned onto the
//   canonical face (Face::canonical_landmarks: pose and scale removed), and
//   estimate_blendshapes() measures the 52 coefficients on them
//   (Face::blendshapes).
//
// THREAD SAFETY
//   Immutable after construction; Analyze() may run concurrently on
//   different frames.
#pragma once

#include <memory>
#include <string>

#include "fer/blendshapes.h"
#include "fer/face.h"

namespace fer {

class FaceGeometry;  // core/src/face/face_geometry.h

struct FaceAnalyzerOptions {
  std::string model_dir;  // where the canonical face is looked for first (ModelRegistry)
};

class FaceAnalyzer {
 public:
  // Throws fer::ModelNotFound / fer::Error naming the canonical face file.
  static std::unique_ptr<FaceAnalyzer> Create(const FaceAnalyzerOptions& options);

  // ENSURES: every face with 478 landmarks gets pose, canonical landmarks
  //          and blendshapes; a face whose landmarks cannot be fitted
  //          (degenerate) gets none of them.
  void Analyze(FrameFaces& frame) const;

  ~FaceAnalyzer();

 private:
  FaceAnalyzer(std::unique_ptr<FaceGeometry> geometry);

  std::unique_ptr<FaceGeometry> geometry_;
};

}  // namespace fer
