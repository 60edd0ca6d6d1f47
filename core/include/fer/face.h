// fer::Face and fer::FrameFaces — the per-frame result every stage enriches.
//
// Coordinates are frame pixels; landmark z is on x's scale. Optional parts
// (set by later stages) are empty when their stage did not run.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

namespace fer {

struct Face {
  int id = -1;                        // track id, stable while the face is tracked
  cv::Rect2f bbox;                    // bounds of the landmarks, clipped to the frame
  float score = 0.0f;                 // face presence probability
  std::vector<cv::Point3f> landmarks; // 478 points, or empty
};

struct FrameFaces {
  std::int64_t frame = 0;             // 0-based index in the stream
  std::optional<std::int64_t> pts;    // nanoseconds, when known
  int width = 0;
  int height = 0;
  std::vector<Face> faces;
};

}  // namespace fer
