// JSON lines serialisation of FrameFaces (schema in docs/metadata.md).
//
// One object per frame:
//   {"frame": n, "pts": ns|null, "width": w, "height": h,
//    "faces": [{"id", "bbox": [x, y, w, h], "score", "landmarks": [[x, y, z] x 478]}]}
// Keys of a face appear only when the stage that makes them ran. Pixel
// values are rounded to 1/100 pixel, scores to 1e-4, to keep lines short.
#pragma once

#include <string>

#include "fer/face.h"

namespace fer {

// The frame as one line of JSON, without the trailing newline.
std::string to_json_line(const FrameFaces& frame);

}  // namespace fer
