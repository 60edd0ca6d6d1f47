// SPDX-License-Identifier: LGPL-2.1-or-later
#include "eval_set.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <system_error>

#include "fer/io/csv_table.h"
#include "fer/io/dataset_csv.h"
#include "fer/error.h"

namespace fs = std::filesystem;

namespace fer_eval {

namespace {

std::optional<std::int64_t> parse_frame(const std::string& field) {
  const std::optional<int> value = fer::parse_csv_int(field);
  if (!value || *value < 0) return std::nullopt;
  return *value;
}

EvalSet read_clips(const fer::CsvTable& table) {
  const fer::DatasetCsv csv = fer::read_dataset_csv(table);
  EvalSet set;
  set.form = EvalForm::kClips;
  for (const fer::DatasetClip& clip : csv.clips) {
    const std::string where = table.Where(clip.line);
    if (clip.label_name.empty())
      throw fer::Error(where + ": no label (neither an `actual` text nor a DFEW label 1-7)");
    set.items.push_back({clip.file_path_as_written, clip.file_path, clip.label_name, -1, -1, where});
  }
  return set;
}

EvalSet read_rows(const fer::CsvTable& table, bool ranges) {
  EvalSet set;
  set.form = ranges ? EvalForm::kRanges : EvalForm::kStills;
  const int path_col = table.Find("path"), label_col = table.Find("label");
  const int start_col = table.Find("start_frame"), end_col = table.Find("end_frame");
  for (const fer::CsvRecord& record : table.records) {
    const std::string at = table.Where(record.line);
    EvalItem item;
    item.where = at;
    const std::string& written = record.fields[path_col];
    if (written.empty()) throw fer::Error(at + ": " + table.ColumnName(path_col) + ": empty path");
    item.path = table.Resolve(written);
    item.label = fer::trim_blanks(record.fields[label_col]);
    if (item.label.empty()) throw fer::Error(at + ": " + table.ColumnName(label_col) + ": empty label");
    item.id = written;
    if (ranges) {
      const auto start = parse_frame(record.fields[start_col]);
      const auto end = parse_frame(record.fields[end_col]);
      if (!start)
        throw fer::Error(at + ": " + table.ColumnName(start_col) + ": not a frame number (an integer >= 0): '" +
                         record.fields[start_col] + "'");
      if (!end)
        throw fer::Error(at + ": " + table.ColumnName(end_col) + ": not a frame number (an integer >= 0): '" +
                         record.fields[end_col] + "'");
      if (*end < *start)
        throw fer::Error(at + ": end_frame " + std::to_string(*end) + " is before start_frame " +
                         std::to_string(*start));
      item.start_frame = *start;
      item.end_frame = *end;
      item.id += ":" + std::to_string(*start) + "-" + std::to_string(*end);
    }
    set.items.push_back(std::move(item));
  }
  if (ranges) {
    // A frame has one label: ranges of a video must not overlap.
    std::map<std::string, std::vector<const EvalItem*>> videos;
    for (const EvalItem& item : set.items) videos[item.path].push_back(&item);
    for (auto& [path, items] : videos) {
      std::sort(items.begin(), items.end(),
                [](const EvalItem* a, const EvalItem* b) { return a->start_frame < b->start_frame; });
      for (std::size_t i = 1; i < items.size(); ++i)
        if (items[i]->start_frame <= items[i - 1]->end_frame)
          throw fer::Error(items[i]->where + ": frames " + std::to_string(items[i]->start_frame) + "-" +
                           std::to_string(items[i]->end_frame) + " overlap the range at " +
                           items[i - 1]->where);
    }
  }
  return set;
}

bool is_image_file(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

EvalSet read_folder(const std::string& root) {
  EvalSet set;
  set.form = EvalForm::kFolder;
  std::error_code ec;
  std::vector<fs::path> images;
  for (const fs::directory_entry& label_dir : fs::directory_iterator(root, ec)) {
    if (!label_dir.is_directory(ec)) continue;
    for (const fs::directory_entry& file : fs::directory_iterator(label_dir.path(), ec))
      if (file.is_regular_file(ec) && is_image_file(file.path())) images.push_back(file.path());
  }
  if (ec) throw fer::Error(root + ": cannot list the folder: " + ec.message());
  std::sort(images.begin(), images.end());
  for (const fs::path& image : images) {
    EvalItem item;
    item.path = image.string();
    item.id = image.lexically_relative(root).string();
    item.label = image.parent_path().filename().string();
    item.where = item.path;
    set.items.push_back(std::move(item));
  }
  if (set.items.empty())
    throw fer::Error(root + ": no labelled images: expected ROOT/<label>/*.jpg|jpeg|png");
  return set;
}

}  // namespace

const char* form_name(EvalForm form) {
  switch (form) {
    case EvalForm::kClips: return "DFEW clip CSV";
    case EvalForm::kStills: return "stills CSV";
    case EvalForm::kRanges: return "frame-range CSV";
    case EvalForm::kFolder: return "image folder";
  }
  return "";
}

EvalSet read_eval_set(const std::string& input) {
  std::error_code ec;
  EvalSet set;
  if (fs::is_directory(input, ec)) {
    set = read_folder(input);
  } else {
    const fer::CsvTable table = fer::read_csv_table(input, "label CSV");
    if (table.Find("file_path") >= 0) {
      set = read_clips(table);
    } else if (table.Find("path") >= 0 && table.Find("label") >= 0) {
      const bool ranges = table.Find("start_frame") >= 0 || table.Find("end_frame") >= 0;
      if (ranges && (table.Find("start_frame") < 0 || table.Find("end_frame") < 0))
        throw fer::Error(table.Where(table.header_line) +
                         ": a frame-range CSV needs both start_frame and end_frame (columns: " +
                         table.ListedColumns() + ")");
      set = read_rows(table, ranges);
    } else {
      throw fer::Error(table.Where(table.header_line) +
                       ": not a label CSV: expected the columns file_path (DFEW clips), "
                       "path,label (stills) or path,start_frame,end_frame,label (frame ranges); "
                       "columns: " + table.ListedColumns());
    }
  }
  set.source = input;
  return set;
}

}  // namespace fer_eval
