// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/landmark_space.h"

#include "fer/error.h"

namespace fer {

const char* landmark_space_name(LandmarkSpace space) {
  return space == LandmarkSpace::Canonical ? "canonical" : "image";
}

LandmarkSpace parse_landmark_space(const std::string& name, const std::string& what) {
  if (name == "image") return LandmarkSpace::Image;
  if (name == "canonical") return LandmarkSpace::Canonical;
  throw Error(what + ": unknown landmark space \"" + name + "\" (expected image or canonical)");
}

}  // namespace fer
