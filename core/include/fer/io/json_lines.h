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
// Keys of a face appear only when the stage that makes them ran and when
// JsonLinesOptions::fields names them (by default every key but the large
// features). Pixel values and angles are rounded to `precision` decimals
// (default 2: 1/100 pixel, 1/100 degree); scores, blendshapes and emotion
// probabilities to 1e-4; the pose matrix and the features to 1e-6, to keep
// lines short.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "fer/face.h"

namespace fer {

// The keys of a face a line may carry (bit flags of JsonLinesOptions::fields).
enum FaceField : unsigned {
  kFieldId = 1u << 0,
  kFieldBbox = 1u << 1,
  kFieldScore = 1u << 2,
  kFieldLandmarks = 1u << 3,    // 478 points: most of a line (~9 KB of ~12 KB)
  kFieldBlendshapes = 1u << 4,
  kFieldPose = 1u << 5,         // "pose" (the matrix), "yaw", "pitch", "roll"
  kFieldEmotion = 1u << 6,
  kFieldFeatures = 1u << 7,     // waveletencode's features (~60 KB per encoding)
};
inline constexpr unsigned kDefaultFaceFields =
    kFieldId | kFieldBbox | kFieldScore | kFieldLandmarks | kFieldBlendshapes | kFieldPose | kFieldEmotion;

struct JsonLinesOptions {
  unsigned fields = kDefaultFaceFields;  // a key is still left out when its stage did not run
  // Decimal places (0 to 6) of pixel values (bbox, landmarks) and angles;
  // scores, blendshapes and probabilities keep 4, the pose matrix 6.
  int precision = 2;
};

// "id,bbox,emotion,pose" as FaceField flags; throws fer::Error naming an
// unknown or repeated name and the known ones.
unsigned parse_face_fields(const std::string& names);

// The names parse_face_fields() knows, in line order, comma-separated.
std::string face_field_names();

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
