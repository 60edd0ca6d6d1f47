// SPDX-License-Identifier: LGPL-2.1-or-later
#include "primary_face.h"

namespace fer_tools {

const fer::Face* primary_face(const fer::FrameFaces& frame) {
  const fer::Face* best = nullptr;
  double best_d2 = 0.0;
  for (const fer::Face& face : frame.faces) {
    if (face.landmarks.size() != static_cast<std::size_t>(fer::kFaceLandmarks)) continue;
    const double dx = face.bbox.x + face.bbox.width / 2.0 - frame.width / 2.0;
    const double dy = face.bbox.y + face.bbox.height / 2.0 - frame.height / 2.0;
    const double d2 = dx * dx + dy * dy;
    if (!best || d2 < best_d2) {
      best = &face;
      best_d2 = d2;
    }
  }
  return best;
}

}  // namespace fer_tools
