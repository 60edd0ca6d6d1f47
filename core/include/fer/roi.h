// SPDX-License-Identifier: LGPL-2.1-or-later
// Regions of interest: rotated squares a model looks through.
//
// WHAT THIS REPRESENTS
//   A Roi is a rectangle in frame pixels, centred at `center`, `size` wide and
//   high, rotated by `rotation` radians (positive turns the rectangle's x axis
//   towards the frame's +y, i.e. clockwise on screen). A model input of
//   `input` pixels is laid over it: input pixel (0, 0) is the rectangle's
//   top-left corner and (input.width, input.height) its bottom-right, the
//   way MediaPipe's image-to-tensor conversion maps a rotated rect.
//
// The face regions follow MediaPipe's face mesh graphs: the axis-aligned
// bounds of a detection (or of the landmarks) give the centre and size, the
// line between two eye points gives the rotation, then the square on the long
// side is enlarged 1.5 times.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "fer/detection.h"

namespace fer {

struct Roi {
  cv::Point2f center;
  cv::Size2f size;
  float rotation = 0.0f;  // radians
};

// Matrix mapping input coordinates (x, y, 1) to frame coordinates; both in
// continuous pixel units with pixel (i, j) covering [i, i+1) x [j, j+1).
cv::Matx23f roi_input_to_frame(const Roi& roi, cv::Size input);

// Matrix for sample_rgb(): input pixel (x, y) is sampled at the frame position
// of its centre, in the pixel-centre convention interpolation uses
// (frame = M * (x + 0.5, y + 0.5) - 0.5), as GPU texture sampling does.
cv::Matx23f roi_sampling_matrix(const Roi& roi, cv::Size input);

// Frame position of a point given in input pixels.
cv::Point2f roi_point_to_frame(const Roi& roi, cv::Size input, cv::Point2f p);

// The whole frame padded to a square (letterbox), as the detector sees it.
Roi letterbox_roi(int frame_width, int frame_height);

// Face region from a detection in frame pixels (eyes are keypoints 0 and 1).
Roi face_roi_from_detection(const Detection& detection);

// Face region for the next frame from this frame's landmarks in frame pixels
// (eye corners 33 and 263 give the rotation).
Roi face_roi_from_landmarks(const std::vector<cv::Point3f>& landmarks);

// A square around the whole face, rotated so that the eyes are horizontal
// (eye corners 33 and 263), centred on the landmarks' bounds in that rotated
// frame, its side the longer side of those bounds times (1 + margin): the
// aligned crop an emotion model looks at.
Roi aligned_face_roi(const std::vector<cv::Point3f>& landmarks, float margin);

// Axis-aligned bounds of the points' x, y (points must not be empty).
cv::Rect2f landmark_bounds(const std::vector<cv::Point3f>& points);

// Angle in (-pi, pi].
float normalize_radians(float angle);

}  // namespace fer
