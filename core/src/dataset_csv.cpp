#include "fer/dataset_csv.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "fer/error.h"

namespace fs = std::filesystem;

namespace fer {
namespace {

constexpr std::array<const char*, 7> kDfewLabels = {"happy",    "sad",     "neutral", "angry",
                                                    "surprise", "disgust", "fear"};
// DFEW's vote columns: digit = label, word = its name.
constexpr std::array<const char*, 7> kDfewVoteColumns = {
    "1happy", "2sad", "3neutral", "4angry", "5surprise", "6disgust", "7fear"};

bool is_blank(const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; }

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

struct Record {
  std::vector<std::string> fields;
  int line = 0;
  bool blank = false;  // one unquoted field of spaces and tabs at most
};

// RFC 4180 records, tracking physical lines so errors can name them.
class CsvParser {
 public:
  CsvParser(const std::string& path, const std::string& text) : path_(path), text_(text) {
    if (text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = line_start_ = 3;  // UTF-8 BOM
  }

  bool next(Record& record) {
    if (pos_ >= text_.size()) return false;
    record = Record{};
    record.line = line_;
    bool any_quoted = false;
    for (;;) {
      std::string field;
      if (text_[pos_] == '"') {
        any_quoted = true;
        read_quoted(field);
      } else {
        while (pos_ < text_.size() && !is_delimiter(text_[pos_])) field.push_back(text_[pos_++]);
      }
      record.fields.push_back(std::move(field));
      if (pos_ >= text_.size()) break;
      const char c = text_[pos_];
      if (c == ',') {
        ++pos_;
        if (pos_ >= text_.size()) {  // "a,b," at the very end: a last empty field
          record.fields.emplace_back();
          break;
        }
        continue;
      }
      if (c == '\r' || c == '\n') {
        end_line();
        break;
      }
      throw Error(where(line_, column()) + ": unexpected character '" + std::string(1, c) +
                  "' after a closing quote (a quote inside a quoted field is written \"\")");
    }
    record.blank = !any_quoted && record.fields.size() == 1 && is_blank(record.fields[0]);
    return true;
  }

  std::string where(int line) const { return path_ + ":" + std::to_string(line); }
  std::string where(int line, std::size_t column) const {
    return where(line) + ":" + std::to_string(column);
  }

 private:
  static bool is_delimiter(char c) { return c == ',' || c == '\r' || c == '\n'; }

  std::size_t column() const { return pos_ - line_start_ + 1; }

  // Consumes LF, CRLF or CR.
  void end_line() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
    line_start_ = pos_;
  }

  void read_quoted(std::string& field) {
    const int open_line = line_;
    const std::size_t open_column = column();
    ++pos_;
    for (;;) {
      if (pos_ >= text_.size())
        throw Error(where(open_line, open_column) +
                    ": quoted field never closed (no matching '\"' before the end of the file)");
      const char c = text_[pos_];
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          field.push_back('"');
          pos_ += 2;
          continue;
        }
        ++pos_;
        return;
      }
      if (c == '\r' || c == '\n') {  // a line break inside the field: kept, but counted
        const std::size_t from = pos_;
        end_line();
        field.append(text_, from, pos_ - from);
        continue;
      }
      field.push_back(c);
      ++pos_;
    }
  }

  const std::string& path_;
  const std::string& text_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  int line_ = 1;
};

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw Error(path + ": cannot read dataset CSV: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read dataset CSV: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(path + ": cannot read dataset CSV: read error");
  return text.str();
}

// An integer, allowing spaces around it and a ".0" fraction; nullopt if not.
std::optional<int> parse_int(const std::string& text) {
  std::string s = trim(text);
  if (const auto dot = s.find('.'); dot != std::string::npos) {
    if (dot + 1 < s.size() && s.find_first_not_of('0', dot + 1) == std::string::npos)
      s.erase(dot);
    else
      return std::nullopt;
  }
  if (!s.empty() && s[0] == '+') s.erase(0, 1);
  int value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string dfew_label_name(int label) {
  return label >= 1 && label <= 7 ? kDfewLabels[label - 1] : "";
}

DatasetCsv read_dataset_csv(const std::string& path) {
  const std::string text = read_file(path);
  CsvParser parser(path, text);
  DatasetCsv csv;
  csv.path = path;

  Record header;
  do {
    if (!parser.next(header)) throw Error(parser.where(1) + ": empty CSV, no header row");
  } while (header.blank);
  for (const auto& name : header.fields) csv.columns.push_back(trim(name));

  std::map<std::string, int> column;  // name -> 0-based index; the first one wins
  for (int i = static_cast<int>(csv.columns.size()) - 1; i >= 0; --i) column[csv.columns[i]] = i;
  const auto find = [&](const char* name) {
    const auto it = column.find(name);
    return it == column.end() ? -1 : it->second;
  };
  std::string listed;
  for (const auto& name : csv.columns) listed += (listed.empty() ? "" : ", ") + name;

  bool raw = true;
  for (const char* vote : kDfewVoteColumns) raw = raw && find(vote) >= 0;
  csv.form = raw ? DatasetCsvForm::kDfewRaw : DatasetCsvForm::kCleaned;

  const int file_path_col = find("file_path");
  if (file_path_col < 0)
    throw Error(parser.where(header.line) + ": no file_path column in the header (columns: " +
                listed + ")");
  const int label_col = find("label");
  if (raw && label_col < 0)
    throw Error(parser.where(header.line) +
                ": DFEW raw form (vote columns 1happy..7fear) without a label column (columns: " +
                listed + ")");
  int id_col = find("video_id");
  if (id_col < 0) id_col = find("video_idx");
  if (id_col < 0) id_col = find("order");
  const int actual_col = find("actual");

  const fs::path base = fs::path(path).parent_path();
  const auto column_name = [&](int col) {
    return "column " + std::to_string(col + 1) + " (" + csv.columns[col] + ")";
  };

  Record record;
  while (parser.next(record)) {
    if (record.blank) continue;
    const std::string at = parser.where(record.line);
    if (record.fields.size() != csv.columns.size())
      throw Error(at + ": " + std::to_string(record.fields.size()) + " fields, expected " +
                  std::to_string(csv.columns.size()) + " as in the header (line " +
                  std::to_string(header.line) + ")");
    DatasetClip clip;
    clip.index = static_cast<int>(csv.clips.size());
    clip.line = record.line;

    clip.file_path_as_written = record.fields[file_path_col];
    if (clip.file_path_as_written.empty())
      throw Error(at + ": " + column_name(file_path_col) + ": empty file path");
    const fs::path written(clip.file_path_as_written);
    clip.file_path = written.is_absolute() || base.empty()
                         ? clip.file_path_as_written
                         : (base / written).lexically_normal().string();

    if (label_col >= 0) {
      const std::string& field = record.fields[label_col];
      if (raw || !is_blank(field)) {
        const std::optional<int> label = parse_int(field);
        if (!label)
          throw Error(at + ": " + column_name(label_col) + ": label is not an integer: '" + field +
                      "'");
        if (raw && dfew_label_name(*label).empty())
          throw Error(at + ": " + column_name(label_col) + ": DFEW label must be 1-7, got " +
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
