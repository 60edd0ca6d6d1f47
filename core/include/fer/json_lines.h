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

#include <string>

#include "fer/face.h"

namespace fer {

struct JsonLinesOptions {
  bool include_features = false;  // write waveletencode's features (large)
};

// The frame as one line of JSON, without the trailing newline.
std::string to_json_line(const FrameFaces& frame, const JsonLinesOptions& options = {});

}  // namespace fer
