// SPDX-License-Identifier: LGPL-2.1-or-later
// Blendshape coefficients estimated geometrically from the face landmarks.
//
// WHAT THIS REPRESENTS
//   MediaPipe's 52 blendshape coefficients (ARKit names and MediaPipe's
//   order: _neutral, browDownLeft, ... noseSneerRight), each in [0, 1].
//   MediaPipe computes them with a network we do not have; these are
//   measured from the landmarks instead, after the head pose and the face's
//   scale were removed (FaceGeometry::AlignToCanonical: the landmarks in
//   the canonical face's space, in cm), each against the typical value of
//   its measurement on neutral faces.
//   docs/blendshapes.md defines every coefficient: the landmarks it uses,
//   its normalisation, and its neutral and full-activation values. Those
//   that landmarks cannot show (cheekPuff, ...) are always 0.
//   "Left" and "Right" are the subject's, as in ARKit.

#pragma once

#include <array>
#include <vector>

#include <opencv2/core.hpp>

namespace fer {

inline constexpr int kBlendshapeCount = 52;

// The 52 names in MediaPipe's output order.
const std::array<const char*, kBlendshapeCount>& blendshape_names();

// REQUIRES: at least 478 points in canonical face space (pose and scale
//           removed: FaceGeometry::AlignToCanonical of a 478-point face).
// ENSURES:  52 values in [0, 1], in blendshape_names() order; throws
//           fer::Error for fewer points.
std::vector<float> estimate_blendshapes(const std::vector<cv::Point3f>& canonical_landmarks);

}  // namespace fer
