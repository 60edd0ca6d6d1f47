// SPDX-License-Identifier: LGPL-2.1-or-later
// merge_shards — the .npz of a whole dataset from the .npz files of its
// shards (fer-extract --shard k/N, e.g. the tasks of a Slurm array job).
//
// WHAT THIS DOES
//   Reads every part (fer::read_npz), checks that they are the N shards of
//   one dataset — the same N and csv_records, each k once, every CSV row
//   exactly once, the same arrays with the same per-row shapes, the same
//   landmark space — and writes `output` with the arrays in the parts' order,
//   each per-clip array's rows put back at their CSV rows (csv_row) and the
//   shard bookkeeping (csv_row, csv_records, shard) left out: the arrays one
//   fer-extract run over the whole CSV writes.
//
// ERRORS
//   Throws MergeRefused (exit code 2 in fer-extract) naming the part and what
//   is wrong for inputs that are not such a set; fer::Error for I/O failures
//   (an existing output without overwrite is MergeRefused too).
#pragma once

#include <string>
#include <vector>

#include "fer/error.h"

namespace fer_extract {

class MergeRefused : public fer::Error {
 public:
  using fer::Error::Error;
};

// Returns the number of CSV rows written.
std::size_t merge_shards(const std::vector<std::string>& parts, const std::string& output, bool overwrite);

}  // namespace fer_extract
