// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::NpzWriter — writing numpy .npz files.
//
// WHAT THIS REPRESENTS
//   An .npz file being written: a zip archive with one .npy (format 1.0)
//   member per array, readable by numpy.load(path) without allow_pickle.
//   Arrays are little-endian float32 ('<f4'), int32 ('<i4'), int64 ('<i8'),
//   or fixed-width unicode strings ('<U{n}', UTF-32LE, n = the longest
//   string in code points, at least 1), of any shape including empty ones
//   and 0-d. No object arrays, so nothing ever needs pickle.
//
//   Each array is streamed to the file when added (the writer keeps no copy).
//   Members are dated 1980-01-01 00:00, so the same arrays always give the
//   same bytes.
//   The file is written under a temporary name in the destination directory
//   and renamed to its final name by Close(), so a crash or an exception never
//   leaves a half-written .npz under the final name.
//
// OPTIONS (defaults in brackets)
//   overwrite    [false]  replace an existing file at path; otherwise the
//                         constructor and Close() refuse with fer::Error
//   force_zip64  [false]  write ZIP64 records even for small files (they are
//                         written anyway past 4 GiB or 65535 arrays)
//
// REQUIRES
//   Array names are non-empty, unique within the file, without '/', '\\' or
//   NUL; the key in numpy is the name (stored as "<name>.npy").
//   Strings are valid UTF-8; trailing U+0000 characters are lost (numpy
//   strips them).
//
// ENSURES
//   Every failure (unwritable directory, existing file, bad name, shape and
//   data disagreeing, invalid UTF-8, I/O error) throws fer::Error naming the
//   path and, where it applies, the array. An Add() refused for its
//   arguments writes nothing and the writer stays usable; an I/O failure
//   breaks it: the temporary file is removed and later calls throw.
//   The destructor of a writer that was not closed removes the temporary
//   file and leaves path untouched.
//
// THREAD SAFETY
//   One instance per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fer {

struct NpzWriterOptions {
  bool overwrite = false;
  bool force_zip64 = false;
};

class NpzWriter {
 public:
  using Shape = std::vector<std::size_t>;

  // Creates the temporary file next to `path`. Throws fer::Error if path
  // exists and !options.overwrite, or if the directory is not writable.
  explicit NpzWriter(const std::string& path, const NpzWriterOptions& options = {});
  ~NpzWriter();
  NpzWriter(NpzWriter&&) noexcept;
  NpzWriter& operator=(NpzWriter&&) noexcept;

  // Row-major (C order) data of product(shape) elements.
  void Add(const std::string& name, const Shape& shape, const float* data);
  void Add(const std::string& name, const Shape& shape, const std::int32_t* data);
  void Add(const std::string& name, const Shape& shape, const std::int64_t* data);
  // The same, checking that data.size() == product(shape).
  void Add(const std::string& name, const Shape& shape, const std::vector<float>& data);
  void Add(const std::string& name, const Shape& shape, const std::vector<std::int32_t>& data);
  void Add(const std::string& name, const Shape& shape, const std::vector<std::int64_t>& data);
  // UTF-8 strings, product(shape) of them, stored as '<U{n}'.
  void Add(const std::string& name, const Shape& shape, const std::vector<std::string>& data);

  // Writes the zip directory, syncs the file and renames it to path. Throws
  // fer::Error (and removes the temporary file) on failure, including when
  // path appeared meanwhile and !options.overwrite.
  void Close();

  const std::string& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fer
