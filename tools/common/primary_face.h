// SPDX-License-Identifier: LGPL-2.1-or-later
// primary_face — the face a tool follows when a frame may hold several: the
// one with landmarks whose box centre is closest to the frame centre (a
// dataset clip or a labelled video is about the person in the middle).
#pragma once

#include "fer/face.h"

namespace fer_tools {

// nullptr when no face of `frame` has its 478 landmarks.
const fer::Face* primary_face(const fer::FrameFaces& frame);

}  // namespace fer_tools
