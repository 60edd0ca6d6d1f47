// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::read_dataset_csv — the clip list of a feature-extraction run.
//
// WHAT THIS REPRESENTS
//   A CSV file with a header row, one video clip per record, in one of two
//   forms:
//   * kCleaned — the cleaned DFEW CSV (docs/features.md): a `file_path` column
//     (required); optional `video_id` (or `video_idx`, the name in the seed's
//     column list), `label` (integer) and `actual` (the emotion as text).
//   * kDfewRaw — DFEW's own annotation: the vote columns `1happy`, `2sad`,
//     `3neutral`, `4angry`, `5surprise`, `6disgust`, `7fear`, then `order`,
//     `label`, `file_path`; `label` is 1-7, named by the digit leading the
//     vote columns: 1 happy, 2 sad, 3 neutral, 4 angry, 5 surprise,
//     6 disgust, 7 fear.
//   A header with all seven vote columns is read as kDfewRaw, any other as
//   kCleaned. Columns are found by name, in any order; others are ignored.
//
//   What the recipe says, and what is inferred from it: its cleaning script
//   reads the raw form, keeps every column and adds `actual` (the text of the
//   numeric `label`, through the mapping above) and `video_id` ("the same as
//   `order`"); its feature extractor then reads "1happy, ..., 7fear, order,
//   label, actual, video_id, file_path". So a cleaned CSV may carry the vote
//   columns too (then it is read as kDfewRaw, which checks the label), its
//   `label` uses the same 1-7 numbering, and `actual` equals the mapped name.
//   The seed's column list says `video_idx` where its script says
//   `video_id`; both are accepted, `video_id` first.
//
//   Per record:
//     video_id    `video_id`, else `video_idx`, else `order`, else (also
//                 when that field is empty) the record's 0-based index among
//                 the data records, as text;
//     label       the integer in `label`, -1 when the column is absent or
//                 the field empty (kCleaned only: kDfewRaw requires 1-7);
//     label_name  `actual` when present and non-empty, else the DFEW name of
//                 a label 1-7, else "";
//     actual      `actual` as written ("" when absent);
//     file_path   `file_path` resolved: a relative path is taken relative to
//                 the CSV's directory (and lexically normalised), an absolute
//                 one is kept as written.
//
// PARSING
//   As fer/io/csv_table.h (RFC 4180, header row, blank lines skipped); `label`
//   may have spaces around it and a ".0" fraction (parse_csv_int).
//
// ENSURES
//   Returns the clips in file order, or throws fer::Error with a message of
//   the form "<file>:<line>[:<column>]: <problem>" for: an unreadable file,
//   an empty file, a header without `file_path` (or, in kDfewRaw, without
//   `label`), a record whose field count differs from the header's, an
//   empty file_path, a label that is not an integer (or, in kDfewRaw, not
//   1-7), an unterminated quoted field, a character after a closing quote.
//   Lines and columns are 1-based; a record spanning lines is named by the
//   line where it starts; a column is named by number and header name.
//
// THREAD SAFETY
//   A pure function of the file; safe to call concurrently.
#pragma once

#include <string>
#include <vector>

#include "fer/io/csv_table.h"

namespace fer {

enum class DatasetCsvForm { kCleaned, kDfewRaw };

struct DatasetClip {
  std::string file_path;             // resolved (see above)
  std::string file_path_as_written;  // the field as in the CSV
  std::string video_id;              // text, never empty
  int label = -1;                    // numeric label, -1 if none
  std::string label_name;            // e.g. "happy", "" if unknown
  std::string actual;                // the `actual` column as written
  int index = 0;                     // 0-based among the data records
  int line = 0;                      // 1-based line where the record starts
};

struct DatasetCsv {
  std::string path;
  DatasetCsvForm form = DatasetCsvForm::kCleaned;
  std::vector<std::string> columns;  // header names, trimmed
  std::vector<DatasetClip> clips;
};

DatasetCsv read_dataset_csv(const std::string& path);

// The same from a CSV already read (fer/io/csv_table.h), e.g. by a tool that
// looked at its header to tell its form.
DatasetCsv read_dataset_csv(const CsvTable& table);

// DFEW's name of label 1-7 ("happy" ... "fear"), or "" for any other value.
std::string dfew_label_name(int label);

}  // namespace fer
