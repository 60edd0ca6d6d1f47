// SPDX-License-Identifier: LGPL-2.1-or-later
// read_eval_set — the labelled items of an evaluation, in any of the four
// forms fer-eval reads (docs/evaluation.md):
//
//   kClips   a dataset CSV as fer-extract reads it (fer/io/dataset_csv.h:
//            the cleaned DFEW CSV or DFEW's raw annotation); one item per
//            clip, its label the `actual` text or the DFEW name of `label`;
//   kStills  a CSV with columns path,label: one image per row;
//   kRanges  a CSV with columns path,start_frame,end_frame,label: frames
//            start..end (inclusive, 0-based, in decoding order) of a video;
//   kFolder  a folder ROOT/<label>/*.{jpg,jpeg,png} (FER2013, RAF-DB and
//            AffectNet on disk); images sorted by path.
//   A folder is kFolder; a CSV with file_path is kClips, with start_frame
//   and end_frame kRanges, else with path and label kStills. Relative paths
//   are taken relative to the CSV's folder. Other columns are ignored.
//
// ENSURES
//   Throws fer::Error "<file>:<line>: <problem>" for an unreadable or
//   malformed CSV (fer/io/csv_table.h), a header of none of the forms, an empty
//   path or label, a frame number that is not a non-negative integer or an
//   end before its start, ranges of one video that overlap; and for a folder
//   with no labelled images. Files are not opened: a missing image or video
//   is the evaluation's business (an item that could not be read).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fer_eval {

enum class EvalForm { kClips, kStills, kRanges, kFolder };

// "DFEW clip CSV", "stills CSV", "frame-range CSV", "image folder".
const char* form_name(EvalForm form);

struct EvalItem {
  std::string id;           // as predictions.csv names it: path as written (+ ":start-end")
  std::string path;         // resolved
  std::string label;        // the dataset's label, as written
  std::int64_t start_frame = -1;  // kRanges only
  std::int64_t end_frame = -1;
  std::string where;        // "file:line" (CSV) or the image's path (folder)
};

struct EvalSet {
  EvalForm form = EvalForm::kStills;
  std::string source;
  std::vector<EvalItem> items;
  bool has_frames() const { return form == EvalForm::kClips || form == EvalForm::kRanges; }
};

EvalSet read_eval_set(const std::string& input);

}  // namespace fer_eval
