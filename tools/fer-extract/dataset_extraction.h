// SPDX-License-Identifier: LGPL-2.1-or-later
// extract_dataset — every clip of a dataset CSV into one .npz (fer-extract).
//
// WHAT THIS DOES
//   For the clips of a fer::DatasetCsv, in parallel (`jobs` workers, each
//   with its own ClipExtractor; OpenCV's thread count untouched, see the
//   .cpp), computes each clip's ClipFeatures, keeps every finished clip in
//   a PartStore at OUTPUT + ".parts" (clips already there are reused, not
//   recomputed), and finally writes OUTPUT with fer::NpzWriter — row i of
//   every array is CSV record i:
//
//     landmarks           float32 (M, 10, 478, 3)  wavelet coefficients of the
//                                                  normalised landmarks
//     blendshapes         float32 (M, 10, 52)      wavelet coefficients of the
//                                                  blendshapes
//     label               int64   (M,)             CSV `label`, -1 if none
//     actual              <U      (M,)             emotion name (`actual`, or
//                                                  the DFEW name of the label)
//     video_id            <U      (M,)             `video_id` / `video_idx` /
//                                                  `order` / row index
//     file_path           <U      (M,)             `file_path` as in the CSV
//     frames_total        int64   (M,)             frames decoded
//     frames_with_face    int64   (M,)             T, frames with a face
//     flagged             int32   (M,)             1 = failed the DFEW recipe's
//                                                  quality rules (features 0)
//     valid_coefficients  int32   (M,)             rows of the coefficients
//                                                  that carry data (0 if flagged)
//     reason              <U      (M,)             why flagged, "" if not
//     landmark_space      <U      ()               "image" or "canonical"
//                                                  (fer/landmark_space.h)
//
//   The parts directory is removed once OUTPUT is written. A clip that fails
//   to decode is reported, flagged and zero-filled; it never stops the run.
//
// ERRORS
//   Throws Refused (a fer::Error) when another run holds the parts
//   directory; fer::Error for failures of the run itself (models missing,
//   unwritable parts or output, OUTPUT created meanwhile without overwrite).
//
// THREAD SAFETY
//   Call from one thread; the reporter is called from that thread only.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "clip_extractor.h"
#include "fer/io/dataset_csv.h"
#include "fer/error.h"
#include "fer/landmark_space.h"

namespace fer_extract {

// The run was refused before any work (exit code 2 in fer-extract).
class Refused : public fer::Error {
 public:
  using fer::Error::Error;
};

// One of N shards of a dataset: CSV records k, k + N, k + 2N, ... (0-based).
struct Shard {
  int index = 0;                  // k, 0 <= k < count
  int count = 1;                  // N
  std::int64_t records = 0;       // records in the whole CSV
};

struct ExtractionOptions {
  int jobs = 1;                   // clips decoded at once (>= 1)
  std::string model_dir;          // "" = the usual model search path
  fer::InferenceEngine engine = fer::InferenceEngine::kAuto;
  fer::LandmarkSpace space = fer::LandmarkSpace::Image;  // of the landmark coefficients
  // Set when `csv` holds one shard's records (their DatasetClip::index is
  // their row in the whole CSV): the .npz then also holds csv_row (int64,
  // the CSV row of each of its rows), csv_records (int64, 0-d) and shard
  // (str, 0-d, "k/N"), for merge_shards() (shard_merge.h).
  std::optional<Shard> shard;
  bool overwrite = false;         // replace an existing OUTPUT
  // Set (e.g. by a signal handler) to stop: running clips end at their next
  // frame and are not stored; extract_dataset() returns with interrupted set.
  const std::atomic<bool>* cancel = nullptr;
};

struct ClipOutcome {
  const fer::DatasetClip* clip = nullptr;
  ClipFeatures features;  // landmarks and blendshapes left empty
  double seconds = 0.0;   // time spent on the clip
};

// Progress of a run, called from extract_dataset()'s thread.
class ExtractionReporter {
 public:
  virtual ~ExtractionReporter() = default;
  // Before the first clip: `total` clips, `reused` of them finished earlier.
  virtual void started(int total, int reused, const std::string& parts_dir) = 0;
  // A clip computed in this run; `done` counts them (reused ones excluded),
  // out of `pending`.
  virtual void clip_finished(const ClipOutcome& outcome, int done, int pending) = 0;
  // About four times a second while clips run (to refresh a clock).
  virtual void tick() = 0;
  // Before the output is written.
  virtual void writing(const std::string& output) = 0;
};

struct ExtractionSummary {
  int clips = 0;
  int reused = 0;
  int flagged = 0;
  int errors = 0;        // clips that could not be decoded (flagged too)
  bool interrupted = false;
};

ExtractionSummary extract_dataset(const fer::DatasetCsv& csv, const std::string& output,
                                  const ExtractionOptions& options, ExtractionReporter& reporter);

// The work directory of `output`: output + ".parts".
std::string parts_dir_for(const std::string& output);

}  // namespace fer_extract
