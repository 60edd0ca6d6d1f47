// SPDX-License-Identifier: LGPL-2.1-or-later
// JSON lines serialisation of FrameFaces (schema in docs/metadata.md).
//
// One object per frame:
//   {"frame": n, "pts": ns|null, "width": w, "height": h,
//    "faces": [{"id", "bbox": [x, y, w, h], "score", "landmarks": [[x, y, z] x 478],
//               "blendshapes": {name: v x 52}, "pose": [16, row-major],
//               "yaw", "pitch", "roll",
//               "emotion": {"label", "confidence", "probs": {label: p}},
//               "features": {...}}]}
// Keys of a face appear only when the stage that makes them ran; features
// only when asked for. Pixel values are rounded to 1/100 pixel; scores,
// blendshapes and emotion probabilities to 1e-4; angles to 1/100 degree;
// the pose matrix and the features to 1e-6, to keep lines short.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "fer/face.h"

namespace fer {

struct JsonLinesOptions {
  bool include_features = false;  // write waveletencode's features (large)
};

// Where a frame came from, when a livesource stamped it: written first as
// "source", and "dropped" (frames of this source dropped before the
// analytics so far) after "frame".
struct FrameOrigin {
  std::string source;
  std::uint64_t dropped = 0;
};

// The frame as one line of JSON, without the trailing newline.
std::string to_json_line(const FrameFaces& frame, const JsonLinesOptions& options = {},
                         const FrameOrigin* origin = nullptr);

// A source going away or coming back, between the frame lines:
//   {"event": "source-lost", "source", "time": "2026-11-21T09:30:00.123Z",
//    "frames_in", "dropped", "reason"}
//   {"event": "source-restored", "source", "time", "frames_in", "dropped",
//    "attempts", "down_ms"}
struct SourceEvent {
  std::string event;            // "source-lost" or "source-restored"
  std::string source;
  std::int64_t time_us = 0;     // wall clock, microseconds since 1970 (UTC)
  std::uint64_t frames_in = 0;  // frames received from the source so far
  std::uint64_t dropped = 0;    // of which dropped before the analytics
  std::string reason;           // source-lost: why
  std::optional<unsigned> attempts;          // source-restored: openings it took
  std::optional<std::uint64_t> down_ms;      // source-restored: time without frames
};

std::string to_json_line(const SourceEvent& event);

}  // namespace fer
