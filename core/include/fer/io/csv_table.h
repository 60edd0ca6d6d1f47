// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::CsvTable — a CSV file with a header row, read whole: the common
// ground of every list of files the tools read (fer/io/dataset_csv.h, the
// label lists of fer-eval).
//
// PARSING
//   RFC 4180: fields separated by commas; a field starting with a double
//   quote is quoted and may hold commas, line breaks and doubled quotes ("");
//   a quote inside an unquoted field is kept as a literal character. Lines
//   end in LF, CRLF or CR. A UTF-8 byte order mark is skipped. Empty lines
//   (and lines of only spaces and tabs) are skipped wherever they are.
//   Header names are trimmed of surrounding spaces; values are kept as
//   written.
//
// ENSURES
//   read_csv_table() returns the records in file order, each with as many
//   fields as the header, or throws fer::Error with a message of the form
//   "<file>:<line>[:<column>]: <problem>" for: an unreadable file, an empty
//   file, a record whose field count differs from the header's, an
//   unterminated quoted field, a character after a closing quote. Lines and
//   columns are 1-based; a record spanning lines is named by the line where
//   it starts. `what` names the kind of file in the unreadable-file error
//   ("cannot read <what>: ...").
//
// THREAD SAFETY
//   A pure function of the file; safe to call concurrently.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace fer {

struct CsvRecord {
  std::vector<std::string> fields;
  int line = 0;  // 1-based line where the record starts
};

struct CsvTable {
  std::string path;
  std::vector<std::string> columns;  // header names, trimmed
  int header_line = 0;
  std::vector<CsvRecord> records;

  // 0-based index of the first column named `name`, or -1.
  int Find(const std::string& name) const;
  // "path:line", the prefix of every error about that line.
  std::string Where(int line) const;
  // "column N (name)" for 0-based index `col`.
  std::string ColumnName(int col) const;
  // The header names, comma-separated (for "no X column (columns: ...)").
  std::string ListedColumns() const;
  // A path written in the file: relative paths are taken relative to the
  // CSV's folder and lexically normalised; absolute ones are kept.
  std::string Resolve(const std::string& written) const;
};

CsvTable read_csv_table(const std::string& path, const std::string& what = "CSV");

// An integer, allowing spaces around it and a ".0" fraction (as pandas
// writes integer columns holding NaN); nullopt if it is not one.
std::optional<int> parse_csv_int(const std::string& field);

// `s` without leading and trailing spaces and tabs.
std::string trim_blanks(const std::string& s);

}  // namespace fer
