// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::read_npz — the arrays of a numpy .npz file, as NpzWriter writes them.
//
// WHAT THIS REPRESENTS
//   The members of an .npz (a zip of .npy files; stored or deflated, read
//   with libzip), in archive order, each with its dtype, shape and raw
//   little-endian data. The dtypes NpzWriter writes are read: '<f4', '<i4',
//   '<i8' and '<U{n}' (UTF-32LE, n code points per element); C order only.
//
// ENSURES
//   Throws fer::Error naming the file (and the array) for an unreadable or
//   non-zip file, a member that is not an .npy of format 1.0 / 2.0, another
//   dtype, Fortran order, or data shorter than the shape says.
//
// THREAD SAFETY
//   A pure function of the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fer {

struct NpyArray {
  std::string name;                // the key numpy gives it (member name without ".npy")
  std::string descr;               // '<f4', '<i4', '<i8', '<U{n}'
  std::vector<std::size_t> shape;  // empty for a 0-d array
  std::size_t item_size = 0;       // bytes per element
  std::vector<char> data;          // elements in C order

  std::size_t count() const;       // product of shape (1 for 0-d)
  // The elements of a '<U{n}' array as UTF-8 (trailing U+0000 dropped, as numpy does).
  std::vector<std::string> strings() const;
};

std::vector<NpyArray> read_npz(const std::string& path);

}  // namespace fer
