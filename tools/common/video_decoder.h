// SPDX-License-Identifier: LGPL-2.1-or-later
// decode_video — every frame of a video file, as the analytics elements see
// it behind `filesrc ! decodebin ! videoconvert`.
//
// WHAT THIS DOES
//   Decodes `path` with `filesrc ! decodebin ! videoconvert ! appsink`, the
//   appsink accepting exactly the formats the analytics elements accept
//   (GST_FER_ANALYTICS_FORMATS), so each frame is the one that
//   `filesrc ! decodebin ! videoconvert ! facelandmarks` would analyse, and
//   hands it to `on_frame` in stream order, numbered from 0 as facelandmarks
//   numbers them. `on_frame` returns false to stop early (no error).
//
//   A clip that cannot be decoded to its end is an error, in `error`:
//   missing file, a directory or other non-regular file (a FIFO would
//   block the open for ever), corrupt data or no video stream (GStreamer's
//   message), no frame for kStallSeconds, or fewer frames than
//   kMinCompleteFraction of what the container declares (a truncated or
//   damaged file often decodes to its end of stream without an error).
//
// ENSURES
//   Never throws for anything the file contains; an exception thrown by
//   `on_frame` ends decoding with `error` set to its message. Every wait is
//   bounded. When `*cancel` becomes true, decoding ends at the next frame
//   with `cancelled` and `error` ("interrupted") set.
//
// THREAD SAFETY
//   Reentrant: each call builds its own pipeline. gst_init() must have been
//   called.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "fer/image.h"

namespace fer_tools {

constexpr int kStallSeconds = 60;  // longest wait for the next frame
// Fewer frames than this fraction of the container's duration x frame rate:
// the file is damaged.
constexpr double kMinCompleteFraction = 0.9;

struct VideoFrame {
  fer::ImageView image;              // valid during the on_frame call only
  std::int64_t index = 0;            // 0-based, in decoding order
  std::optional<std::int64_t> pts;   // nanoseconds, when the buffer has one
  std::int64_t frame_duration_ns = 0;  // from the caps' frame rate, 0 if unknown
};

struct DecodeResult {
  std::int64_t frames = 0;  // frames handed to on_frame
  std::string error;        // "" when decoded to its end or stopped by on_frame
  bool cancelled = false;
};

DecodeResult decode_video(const std::string& path,
                          const std::function<bool(const VideoFrame&)>& on_frame,
                          const std::atomic<bool>* cancel = nullptr);

}  // namespace fer_tools
