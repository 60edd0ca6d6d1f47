// SPDX-License-Identifier: LGPL-2.1-or-later
// Drawing face results onto a frame in place.
//
// WHAT THIS DOES
//   draw_faces() draws, per face, its box and "#id" label, and its landmarks
//   as points and/or the mesh contours (face oval, eyes, eyebrows, lips,
//   irises), and the head axes of its pose (x red, y green, z blue from the
//   nose tip; the canonical face's axes turned by the pose's rotation, drawn
//   without perspective), and its emotion: label and confidence under the
//   box in the emotion's colour, and a bar per class beside the box. Line widths, point radii and text scale grow with the frame
//   height so the drawing reads the same from 288p to 4K.
//
// REQUIRES
//   `frame` is CV_8UC3 or CV_8UC4 over the frame memory (row stride
//   honoured) in the byte order of `format`, a packed format.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "fer/face.h"
#include "fer/image.h"

namespace fer {

struct OverlayOptions {
  bool boxes = true;
  bool ids = true;
  bool points = false;
  bool contours = true;
  bool axes = false;
  bool emotion = true;       // label and confidence under the box
  bool emotion_bars = true;  // one probability bar per class beside the box
};

void draw_faces(cv::Mat& frame, PixelFormat format, const std::vector<Face>& faces,
                const OverlayOptions& options);

}  // namespace fer
