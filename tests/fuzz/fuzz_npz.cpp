// SPDX-License-Identifier: LGPL-2.1-or-later
// The .npz reader (fer-extract merge reads the shards' files): any bytes
// give arrays whose data matches their shape, or a fer::Error.
#include <cstdlib>

#include "fer/error.h"
#include "fer/io/npz_reader.h"
#include "memory_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fer::fuzz::MemoryFile file(data, size);
  try {
    for (const fer::NpyArray& array : fer::read_npz(file.path())) {
      if (array.data.size() != array.count() * array.item_size) std::abort();
      if (array.descr.rfind("<U", 0) == 0) array.strings();
    }
  } catch (const fer::Error&) {
  }
  return 0;
}
