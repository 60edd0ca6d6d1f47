// SPDX-License-Identifier: LGPL-2.1-or-later
// The dataset CSV reader (fer-extract's input): any bytes give clips or a
// fer::Error, and every clip has what the reader promises.
#include <cstdlib>

#include "fer/io/dataset_csv.h"
#include "fer/error.h"
#include "memory_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fer::fuzz::MemoryFile file(data, size);
  try {
    const fer::DatasetCsv csv = fer::read_dataset_csv(file.path());
    for (const fer::DatasetClip& clip : csv.clips)
      if (clip.file_path.empty() || clip.video_id.empty()) std::abort();
  } catch (const fer::Error&) {
  }
  return 0;
}
