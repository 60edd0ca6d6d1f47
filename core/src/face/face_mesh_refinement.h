// SPDX-License-Identifier: LGPL-2.1-or-later
// Where the attention model's refined points go in the 478-point mesh
// (MediaPipe's tensors_to_face_landmarks_with_attention graph).
#pragma once

#include <array>

namespace fer::refinement {

// Mesh index of each of the 80 refined lip points (x, y replaced).
extern const std::array<int, 80> kLips;
// Mesh index of each of the 71 refined points of the left / right eye region
// (MediaPipe's names: "left" is the first eye output, around point 33).
extern const std::array<int, 71> kLeftEye;
extern const std::array<int, 71> kRightEye;
// Mesh points whose mean z becomes the z of the 5 iris points of each eye.
extern const std::array<int, 16> kLeftIrisDepth;
extern const std::array<int, 16> kRightIrisDepth;

}  // namespace fer::refinement
