// SPDX-License-Identifier: LGPL-2.1-or-later
// PartStore — the work directory that makes fer-extract resumable.
//
// WHAT THIS REPRESENTS
//   A directory next to the output (OUTPUT.npz.parts/) holding one small
//   binary file per finished clip, named "<row index>-<hash of the resolved
//   path>.part". Each part records what identifies the clip (settings,
//   resolved path, file size and modification time) and its result
//   (counts, flag, reason, the (10, 478, 3) and (10, 52) coefficients) and
//   ends with the SHA-256 of all of that, so a part damaged on disk is
//   computed again rather than reused. A
//   part is written to a temporary file, synced and renamed, so a killed run
//   leaves either a whole part or none (and at most a stale "*.tmp", removed
//   by the next open()).
//
//   load() returns a part only when everything that identifies the clip is
//   unchanged, so a re-run skips exactly the clips whose results are still
//   valid. Clips that failed to decode are not stored: a re-run retries them.
//
//   The directory is locked (flock) while a PartStore is open, so two runs
//   cannot write the same output at once.
//
// THREAD SAFETY
//   save() and load() may be called concurrently for different rows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "clip_extractor.h"
#include "fer/error.h"
#include "fer/landmark_space.h"

namespace fer_extract {

// The directory is locked by another process.
class PartsLocked : public fer::Error {
 public:
  using fer::Error::Error;
};

// What identifies a clip's result.
struct ClipKey {
  int index = 0;               // row in the CSV
  std::string resolved_path;   // the file read
};

class PartStore {
 public:
  // Creates (if needed) and locks `dir`, removes stale temporary files.
  // Throws fer::Error if the directory cannot be created, PartsLocked if
  // another process holds it.
  // `space`: the landmark space of the parts (a part of another space is
  // not reused).
  PartStore(const std::string& dir, fer::LandmarkSpace space);
  ~PartStore();
  PartStore(const PartStore&) = delete;
  PartStore& operator=(const PartStore&) = delete;

  const std::string& dir() const { return dir_; }

  // The stored result of `key`, if there is a valid one.
  std::optional<ClipFeatures> load(const ClipKey& key) const;

  // Stores `features` for `key` atomically. Throws fer::Error on I/O failure.
  void save(const ClipKey& key, const ClipFeatures& features) const;

  // Unlocks and removes the directory with everything in it.
  void remove();

  // remove() if no part is stored (after a run that failed before any clip).
  void remove_if_empty();

 private:
  std::string part_path(const ClipKey& key) const;

  std::string dir_;
  std::string settings_;  // what a reusable part was written with
  int lock_fd_ = -1;
};

}  // namespace fer_extract
