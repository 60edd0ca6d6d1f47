// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/io/npz_reader.h"

#include <zip.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <memory>
#include <regex>

#include "fer/error.h"

namespace fer {

namespace {

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

std::string encode_utf8(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

// A decimal of an .npy header (a dimension, a string length) as a size, or
// an Error naming it: digits beyond size_t's range are a damaged header.
std::size_t header_number(const std::string& where, const std::string& digits) {
  std::size_t value = 0;
  const char* end = digits.data() + digits.size();
  const auto [stop, error] = std::from_chars(digits.data(), end, value);
  if (error != std::errc() || stop != end || digits.empty())
    throw Error(where + ": .npy header number '" + digits + "' is not a size");
  return value;
}

// a * b, or an Error when it does not fit in size_t.
std::size_t checked_product(const std::string& where, std::size_t a, std::size_t b) {
  if (b != 0 && a > std::numeric_limits<std::size_t>::max() / b)
    throw Error(where + ": .npy shape too large");
  return a * b;
}

// Parses the .npy in `bytes` into `a` (name already set).
void parse_npy(const std::string& where, const std::vector<char>& bytes, NpyArray& a) {
  static const char kMagic[] = "\x93NUMPY";
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0)
    throw Error(where + ": not an .npy array");
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
    offset = 10;
  } else if (major == 2 && bytes.size() >= 12) {
    for (int i = 0; i < 4; ++i) header_len |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    throw Error(where + ": .npy format version " + std::to_string(major) + " is not read");
  }
  if (offset + header_len > bytes.size()) throw Error(where + ": truncated .npy header");
  const std::string header(bytes.data() + offset, header_len);
  static const std::regex kDescr("'descr':\\s*'([^']*)'"), kFortran("'fortran_order':\\s*True"),
      kShape("'shape':\\s*\\(([^)]*)\\)");
  std::smatch m;
  if (!std::regex_search(header, m, kDescr))
    throw Error(where + ": .npy header without descr");
  a.descr = m[1];
  if (std::regex_search(header, m, kFortran))
    throw Error(where + ": Fortran-order arrays are not read");
  if (!std::regex_search(header, m, kShape))
    throw Error(where + ": .npy header without shape");
  const std::string dims = m[1];
  static const std::regex kNumber("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), kNumber), end; it != end; ++it)
    a.shape.push_back(header_number(where, it->str()));
  if (a.descr == "<f4" || a.descr == "<i4") {
    a.item_size = 4;
  } else if (a.descr == "<i8") {
    a.item_size = 8;
  } else if (a.descr.size() > 2 && a.descr.compare(0, 2, "<U") == 0) {
    a.item_size = checked_product(where, 4, header_number(where, a.descr.substr(2)));
    if (a.item_size == 0) throw Error(where + ": dtype " + a.descr + " holds no characters");
  } else {
    throw Error(where + ": dtype " + a.descr + " is not read (only <f4, <i4, <i8, <U)");
  }
  std::size_t size = a.item_size;
  for (std::size_t d : a.shape) size = checked_product(where, size, d);
  const std::size_t data_at = offset + header_len;
  if (bytes.size() - data_at < size)
    throw Error(where + ": " + std::to_string(bytes.size() - data_at) + " bytes of data for a shape of " +
                std::to_string(a.count()) + " elements of " + std::to_string(a.item_size) + " bytes");
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(data_at),
                bytes.begin() + static_cast<std::ptrdiff_t>(data_at + size));
}

}  // namespace

std::size_t NpyArray::count() const {
  // read_npz checked that shape x item_size fits; item_size > 0.
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  return n;
}

std::vector<std::string> NpyArray::strings() const {
  std::vector<std::string> out;
  const std::size_t chars = item_size / 4;
  for (std::size_t i = 0; i < count(); ++i) {
    std::string s;
    std::size_t end = chars;
    const auto at = [&](std::size_t k) {
      char32_t c = 0;
      std::memcpy(&c, data.data() + (i * chars + k) * 4, 4);  // little-endian hosts (x86, arm64)
      return c;
    };
    while (end > 0 && at(end - 1) == 0) --end;
    for (std::size_t k = 0; k < end; ++k) s += encode_utf8(at(k));
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<NpyArray> read_npz(const std::string& path) {
  int error = 0;
  std::unique_ptr<zip_t, ZipCloser> archive(zip_open(path.c_str(), ZIP_RDONLY, &error));
  if (!archive) {
    zip_error_t e;
    zip_error_init_with_code(&e, error);
    const std::string why = zip_error_strerror(&e);
    zip_error_fini(&e);
    throw Error(path + ": cannot read as an .npz: " + why);
  }
  std::vector<NpyArray> arrays;
  const zip_int64_t n = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(archive.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0)
      throw Error(path + ": cannot read member " + std::to_string(i));
    std::string name = st.name;
    const std::string where = path + ": " + name;
    if (name.size() < 5 || name.compare(name.size() - 4, 4, ".npy") != 0)
      throw Error(where + ": not an .npy member");
    std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(archive.get(), static_cast<zip_uint64_t>(i), 0));
    if (!file) throw Error(where + ": cannot open the member");
    // Read in chunks: memory follows the data that is there, not the size
    // a damaged directory declares (a few bytes claimed 2.9 GB).
    std::vector<char> bytes;
    constexpr std::size_t kChunk = 1 << 20;
    while (bytes.size() < st.size) {
      const std::size_t at = bytes.size();
      const std::size_t want = std::min<std::size_t>(kChunk, static_cast<std::size_t>(st.size) - at);
      bytes.resize(at + want);
      const zip_int64_t got = zip_fread(file.get(), bytes.data() + at, want);
      if (got != static_cast<zip_int64_t>(want))
        throw Error(where + ": cannot read the member: " + std::to_string(at + std::max<zip_int64_t>(got, 0)) +
                    " of the " + std::to_string(st.size) + " bytes it declares (damaged archive?)");
    }
    NpyArray a;
    a.name = name.substr(0, name.size() - 4);
    parse_npy(where, bytes, a);
    arrays.push_back(std::move(a));
  }
  return arrays;
}

}  // namespace fer
