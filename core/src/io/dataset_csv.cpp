// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/io/dataset_csv.h"

#include <array>
#include <optional>

#include "fer/io/csv_table.h"
#include "fer/error.h"

namespace fer {
namespace {

constexpr std::array<const char*, 7> kDfewLabels = {"happy",    "sad",     "neutral", "angry",
                                                    "surprise", "disgust", "fear"};
// DFEW's vote columns: digit = label, word = its name.
constexpr std::array<const char*, 7> kDfewVoteColumns = {
    "1happy", "2sad", "3neutral", "4angry", "5surprise", "6disgust", "7fear"};

bool is_blank(const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; }

}  // namespace

std::string dfew_label_name(int label) {
  return label >= 1 && label <= 7 ? kDfewLabels[label - 1] : "";
}

DatasetCsv read_dataset_csv(const std::string& path) {
  return read_dataset_csv(read_csv_table(path, "dataset CSV"));
}

DatasetCsv read_dataset_csv(const CsvTable& table) {
  DatasetCsv csv;
  csv.path = table.path;
  csv.columns = table.columns;

  bool raw = true;
  for (const char* vote : kDfewVoteColumns) raw = raw && table.Find(vote) >= 0;
  csv.form = raw ? DatasetCsvForm::kDfewRaw : DatasetCsvForm::kCleaned;

  const int file_path_col = table.Find("file_path");
  if (file_path_col < 0)
    throw Error(table.Where(table.header_line) + ": no file_path column in the header (columns: " +
                table.ListedColumns() + ")");
  const int label_col = table.Find("label");
  if (raw && label_col < 0)
    throw Error(table.Where(table.header_line) +
                ": DFEW raw form (vote columns 1happy..7fear) without a label column (columns: " +
                table.ListedColumns() + ")");
  int id_col = table.Find("video_id");
  if (id_col < 0) id_col = table.Find("video_idx");
  if (id_col < 0) id_col = table.Find("order");
  const int actual_col = table.Find("actual");

  for (const CsvRecord& record : table.records) {
    const std::string at = table.Where(record.line);
    DatasetClip clip;
    clip.index = static_cast<int>(csv.clips.size());
    clip.line = record.line;

    clip.file_path_as_written = record.fields[file_path_col];
    if (clip.file_path_as_written.empty())
      throw Error(at + ": " + table.ColumnName(file_path_col) + ": empty file path");
    clip.file_path = table.Resolve(clip.file_path_as_written);

    if (label_col >= 0) {
      const std::string& field = record.fields[label_col];
      if (raw || !is_blank(field)) {
        const std::optional<int> label = parse_csv_int(field);
        if (!label)
          throw Error(at + ": " + table.ColumnName(label_col) + ": label is not an integer: '" +
                      field + "'");
        if (raw && dfew_label_name(*label).empty())
          throw Error(at + ": " + table.ColumnName(label_col) + ": DFEW label must be 1-7, got " +
                      std::to_string(*label));
        clip.label = *label;
      }
    }
    if (actual_col >= 0) clip.actual = record.fields[actual_col];
    clip.label_name = !clip.actual.empty() ? clip.actual : dfew_label_name(clip.label);
    clip.video_id = id_col >= 0 ? record.fields[id_col] : "";
    if (clip.video_id.empty()) clip.video_id = std::to_string(clip.index);
    csv.clips.push_back(std::move(clip));
  }
  return csv;
}

}  // namespace fer
