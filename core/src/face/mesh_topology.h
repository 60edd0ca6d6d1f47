// SPDX-License-Identifier: LGPL-2.1-or-later
// The face mesh's named contours (face oval, lips, eyes, eyebrows, irises)
// as edges between landmark indices, for drawing.
#pragma once

#include <cstddef>
#include <vector>

namespace fer {

struct MeshEdge {
  int from, to;
};

struct MeshContour {
  const char* name;
  const MeshEdge* edges;
  std::size_t count;
};

const std::vector<MeshContour>& mesh_contours();

}  // namespace fer
