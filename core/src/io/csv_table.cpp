// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/io/csv_table.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fer/error.h"

namespace fs = std::filesystem;

namespace fer {
namespace {

bool is_blank(const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; }

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

  bool Next(Record& record) {
    if (pos_ >= text_.size()) return false;
    record = Record{};
    record.line = line_;
    bool any_quoted = false;
    for (;;) {
      std::string field;
      if (text_[pos_] == '"') {
        any_quoted = true;
        ReadQuoted(field);
      } else {
        while (pos_ < text_.size() && !IsDelimiter(text_[pos_])) field.push_back(text_[pos_++]);
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
        EndLine();
        break;
      }
      throw Error(Where(line_, column()) + ": unexpected character '" + std::string(1, c) +
                  "' after a closing quote (a quote inside a quoted field is written \"\")");
    }
    record.blank = !any_quoted && record.fields.size() == 1 && is_blank(record.fields[0]);
    return true;
  }

  std::string Where(int line) const { return path_ + ":" + std::to_string(line); }
  std::string Where(int line, std::size_t column) const {
    return Where(line) + ":" + std::to_string(column);
  }

 private:
  static bool IsDelimiter(char c) { return c == ',' || c == '\r' || c == '\n'; }

  std::size_t column() const { return pos_ - line_start_ + 1; }

  // Consumes LF, CRLF or CR.
  void EndLine() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
    line_start_ = pos_;
  }

  void ReadQuoted(std::string& field) {
    const int open_line = line_;
    const std::size_t open_column = column();
    ++pos_;
    for (;;) {
      if (pos_ >= text_.size())
        throw Error(Where(open_line, open_column) +
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
        EndLine();
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

std::string read_file(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error(path + ": cannot read " + what + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read " + what + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(path + ": cannot read " + what + ": read error");
  return text.str();
}

}  // namespace

std::string trim_blanks(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::optional<int> parse_csv_int(const std::string& field) {
  std::string s = trim_blanks(field);
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

int CsvTable::Find(const std::string& name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return static_cast<int>(i);
  return -1;
}

std::string CsvTable::Where(int line) const { return path + ":" + std::to_string(line); }

std::string CsvTable::ColumnName(int col) const {
  return "column " + std::to_string(col + 1) + " (" + columns[static_cast<std::size_t>(col)] + ")";
}

std::string CsvTable::ListedColumns() const {
  std::string listed;
  for (const auto& name : columns) listed += (listed.empty() ? "" : ", ") + name;
  return listed;
}

std::string CsvTable::Resolve(const std::string& written) const {
  const fs::path base = fs::path(path).parent_path();
  const fs::path p(written);
  return p.is_absolute() || base.empty() ? written : (base / p).lexically_normal().string();
}

CsvTable read_csv_table(const std::string& path, const std::string& what) {
  const std::string text = read_file(path, what);
  CsvParser parser(path, text);
  CsvTable table;
  table.path = path;

  Record header;
  do {
    if (!parser.Next(header)) throw Error(parser.Where(1) + ": empty CSV, no header row");
  } while (header.blank);
  table.header_line = header.line;
  for (const auto& name : header.fields) table.columns.push_back(trim_blanks(name));

  Record record;
  while (parser.Next(record)) {
    if (record.blank) continue;
    if (record.fields.size() != table.columns.size())
      throw Error(parser.Where(record.line) + ": " + std::to_string(record.fields.size()) +
                  " fields, expected " + std::to_string(table.columns.size()) +
                  " as in the header (line " + std::to_string(header.line) + ")");
    table.records.push_back({std::move(record.fields), record.line});
  }
  return table;
}

}  // namespace fer
