// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/io/npz_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <set>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fer/error.h"

// Members are stored, not deflated: float32 landmark and blendshape data
// barely compress (their low mantissa bits are noise), storing lets each
// array stream to disk in one pass with its size known up front, and it is
// what numpy.savez itself writes. zlib is used for the CRC-32 only; the zip
// records are written here, so arrays never need a second copy in memory
// (libzip keeps every added buffer alive until zip_close).

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npz_writer writes host memory as little-endian .npy data"
#endif

namespace fs = std::filesystem;

namespace fer {
namespace {

constexpr std::uint64_t k32 = 0xFFFFFFFFu;
constexpr std::uint64_t k16 = 0xFFFFu;

void put16(std::string& b, std::uint64_t v) {
  for (int i = 0; i < 2; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put32(std::string& b, std::uint64_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put64(std::string& b, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string errno_text() { return std::strerror(errno); }

// product(shape), or throws if it overflows.
std::uint64_t element_count(const std::string& where, const NpzWriter::Shape& shape) {
  std::uint64_t n = 1;
  for (std::size_t d : shape) {
    if (d != 0 && n > std::numeric_limits<std::uint64_t>::max() / d)
      throw Error(where + ": shape overflows");
    n *= d;
  }
  return n;
}

// The .npy v1.0 header: magic, version, length, then the dict padded with
// spaces and a newline so the data starts on a 64-byte boundary, as numpy
// writes it.
std::string npy_header(const std::string& where, const std::string& descr,
                       const NpzWriter::Shape& shape) {
  std::string dims;
  for (std::size_t d : shape) dims += std::to_string(d) + ", ";
  if (shape.size() > 1) dims.erase(dims.size() - 2);  // (3, 4) but (3,)
  else if (shape.size() == 1) dims.pop_back();
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  const std::size_t prefix = 10;
  const std::size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict.push_back('\n');
  if (dict.size() > k16) throw Error(where + ": .npy header too long for format 1.0");
  std::string header("\x93NUMPY\x01\x00", 8);
  put16(header, dict.size());
  return header + dict;
}

// UTF-8 to code points; throws naming the element and byte on invalid input
// (overlong forms, surrogates and values past U+10FFFF included).
std::u32string decode_utf8(const std::string& s, const std::string& where) {
  std::u32string out;
  std::size_t i = 0;
  const auto bad = [&](std::size_t at) {
    return Error(where + " is not valid UTF-8 (byte " + std::to_string(at) + ")");
  };
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int extra;
    char32_t cp, min;
    if (c < 0x80) { cp = c; extra = 0; min = 0; }
    else if ((c & 0xE0) == 0xC0) { cp = c & 0x1F; extra = 1; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { cp = c & 0x0F; extra = 2; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { cp = c & 0x07; extra = 3; min = 0x10000; }
    else throw bad(i);
    if (i + extra >= s.size()) throw bad(i);  // truncated sequence
    for (int k = 1; k <= extra; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) throw bad(i + k);
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) throw bad(i);
    out.push_back(cp);
    i += extra + 1;
  }
  return out;
}

struct Entry {
  std::string file_name;  // "<name>.npy"
  std::uint32_t crc = 0;
  std::uint64_t size = 0;
  std::uint64_t offset = 0;
  bool zip64 = false;  // sizes in the ZIP64 extra field
};

}  // namespace

struct NpzWriter::Impl {
  std::string path;
  std::string temp_path;
  NpzWriterOptions options;
  std::FILE* file = nullptr;
  std::uint64_t offset = 0;
  std::vector<Entry> entries;
  std::set<std::string> names;
  bool broken = false;
  bool closed = false;
  std::uint16_t dos_time = 0, dos_date = 0;

  ~Impl() { abandon(); }

  void abandon() {
    if (file) std::fclose(file);
    file = nullptr;
    if (!temp_path.empty()) ::unlink(temp_path.c_str());
    temp_path.clear();
  }

  [[noreturn]] void fail(const std::string& message) {
    broken = true;
    abandon();
    throw Error(message);
  }

  void check_usable(const char* what) const {
    if (closed) throw Error("npz: " + std::string(what) + " after Close(): " + path);
    if (broken) throw Error("npz: " + std::string(what) + " after an earlier failure: " + path);
  }

  void write(const void* data, std::size_t size) {
    if (size && std::fwrite(data, 1, size, file) != size)
      fail("npz: cannot write " + temp_path + " (for " + path + "): " + errno_text());
    offset += size;
  }
  void write(const std::string& bytes) { write(bytes.data(), bytes.size()); }

  // Validates the name and returns the array's label for messages.
  std::string check_name(const std::string& name) const {
    const std::string where = "npz array '" + name + "' in " + path;
    if (name.empty()) throw Error("npz: empty array name in " + path);
    if (name.find_first_of(std::string("/\\\0", 3)) != std::string::npos)
      throw Error(where + ": name must not contain '/', '\\' or NUL");
    if (name.size() > 60000) throw Error(where + ": name too long");
    if (names.count(name)) throw Error(where + ": duplicate array name");
    return where;
  }

  // Writes one stored member holding `header` followed by `size` data bytes.
  void add_member(const std::string& name, const std::string& header, const void* data,
                  std::uint64_t size) {
    Entry e;
    e.file_name = name + ".npy";
    e.offset = offset;
    e.size = header.size() + size;
    e.zip64 = options.force_zip64 || e.size >= k32;
    uLong crc = crc32_z(0L, Z_NULL, 0);
    crc = crc32_z(crc, reinterpret_cast<const Bytef*>(header.data()), header.size());
    // Never with a null buffer: crc32_z(crc, Z_NULL, 0) restarts the CRC.
    if (size) crc = crc32_z(crc, static_cast<const Bytef*>(data), size);
    e.crc = static_cast<std::uint32_t>(crc);

    std::string local;
    put32(local, 0x04034b50);
    put16(local, e.zip64 ? 45 : 20);  // version needed
    put16(local, utf8_flag(e.file_name));
    put16(local, 0);  // stored
    put16(local, dos_time);
    put16(local, dos_date);
    put32(local, e.crc);
    put32(local, e.zip64 ? k32 : e.size);  // compressed
    put32(local, e.zip64 ? k32 : e.size);  // uncompressed
    put16(local, e.file_name.size());
    put16(local, e.zip64 ? 20 : 0);
    local += e.file_name;
    if (e.zip64) {
      put16(local, 0x0001);
      put16(local, 16);
      put64(local, e.size);
      put64(local, e.size);
    }
    write(local);
    write(header);
    write(data, size);
    entries.push_back(e);
    names.insert(name);
  }

  static std::uint16_t utf8_flag(const std::string& s) {
    for (char c : s)
      if (static_cast<unsigned char>(c) >= 0x80) return 0x0800;
    return 0;
  }

  // Validates and writes one numeric array; expected_count, if given, is the
  // number of values the caller holds.
  template <typename T>
  void add_numeric(const std::string& name, const Shape& shape, const T* data, const char* descr,
                   const std::uint64_t* expected_count);

  void finish();
};

namespace {

// Creates a new file with a random name beside `path`; the mode honours the
// umask like any new file (mkstemp would force 0600).
int create_temp(const std::string& path, std::string* temp_path) {
  const fs::path p(path);
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(rd()));
    const fs::path candidate =
        p.parent_path() / ("." + p.filename().string() + ".tmp-" + suffix);
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      *temp_path = candidate.string();
      return fd;
    }
    if (errno != EEXIST)
      throw Error("npz: cannot create a temporary file beside " + path + " (" +
                  candidate.string() + "): " + errno_text());
  }
  throw Error("npz: cannot find a free temporary name beside " + path);
}

std::string refusal(const std::string& path) {
  return "npz: refusing to replace existing file " + path + " (set overwrite to replace it)";
}

}  // namespace

NpzWriter::NpzWriter(const std::string& path, const NpzWriterOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->options = options;
  if (path.empty()) throw Error("npz: empty output path");
  // Checked now so a long extraction does not run only to be refused at the
  // end; Close() checks again atomically.
  std::error_code ec;
  if (!options.overwrite && fs::exists(fs::symlink_status(path, ec))) throw Error(refusal(path));
  if (fs::is_directory(path, ec)) throw Error("npz: output path is a directory: " + path);
  const int fd = create_temp(path, &impl_->temp_path);
  impl_->file = ::fdopen(fd, "wb");
  if (!impl_->file) {
    ::close(fd);
    impl_->fail("npz: cannot open " + impl_->temp_path + ": " + errno_text());
  }
  std::setvbuf(impl_->file, nullptr, _IOFBF, 1 << 20);

  // Members are dated at the DOS epoch (1980-01-01 00:00), not now: the same
  // arrays then give the same bytes (a merged sharded run equals one run;
  // a data hash names the data, not when it was written).
  impl_->dos_time = 0;
  impl_->dos_date = static_cast<std::uint16_t>((0 << 9) | (1 << 5) | 1);
}

NpzWriter::~NpzWriter() = default;
NpzWriter::NpzWriter(NpzWriter&&) noexcept = default;
NpzWriter& NpzWriter::operator=(NpzWriter&&) noexcept = default;

const std::string& NpzWriter::path() const { return impl_->path; }

template <typename T>
void NpzWriter::Impl::add_numeric(const std::string& name, const Shape& shape, const T* data,
                                  const char* descr, const std::uint64_t* expected_count) {
  check_usable("add");
  const std::string where = check_name(name);
  const std::uint64_t count = element_count(where, shape);
  if (expected_count && *expected_count != count)
    throw Error(where + ": " + std::to_string(*expected_count) +
                " values given for a shape of " + std::to_string(count) + " elements");
  if (count && !data) throw Error(where + ": null data");
  if (count > std::numeric_limits<std::uint64_t>::max() / sizeof(T))
    throw Error(where + ": shape overflows");
  add_member(name, npy_header(where, descr, shape), data, count * sizeof(T));
}

void NpzWriter::Add(const std::string& name, const Shape& shape, const float* data) {
  impl_->add_numeric(name, shape, data, "<f4", nullptr);
}
void NpzWriter::Add(const std::string& name, const Shape& shape, const std::int32_t* data) {
  impl_->add_numeric(name, shape, data, "<i4", nullptr);
}
void NpzWriter::Add(const std::string& name, const Shape& shape, const std::int64_t* data) {
  impl_->add_numeric(name, shape, data, "<i8", nullptr);
}
void NpzWriter::Add(const std::string& name, const Shape& shape, const std::vector<float>& data) {
  const std::uint64_t n = data.size();
  impl_->add_numeric(name, shape, data.data(), "<f4", &n);
}
void NpzWriter::Add(const std::string& name, const Shape& shape,
                    const std::vector<std::int32_t>& data) {
  const std::uint64_t n = data.size();
  impl_->add_numeric(name, shape, data.data(), "<i4", &n);
}
void NpzWriter::Add(const std::string& name, const Shape& shape,
                    const std::vector<std::int64_t>& data) {
  const std::uint64_t n = data.size();
  impl_->add_numeric(name, shape, data.data(), "<i8", &n);
}

void NpzWriter::Add(const std::string& name, const Shape& shape,
                    const std::vector<std::string>& data) {
  Impl& impl = *impl_;
  impl.check_usable("add");
  const std::string where = impl.check_name(name);
  const std::uint64_t count = element_count(where, shape);
  if (data.size() != count)
    throw Error(where + ": " + std::to_string(data.size()) + " strings given for a shape of " +
                std::to_string(count) + " elements");
  std::vector<std::u32string> decoded;
  decoded.reserve(data.size());
  std::size_t width = 1;  // numpy has no '<U0' for data
  for (std::size_t i = 0; i < data.size(); ++i) {
    decoded.push_back(decode_utf8(data[i], where + " string " + std::to_string(i)));
    width = std::max(width, decoded.back().size());
  }
  std::string bytes(static_cast<std::size_t>(count) * width * 4, '\0');
  for (std::size_t i = 0; i < decoded.size(); ++i)
    for (std::size_t k = 0; k < decoded[i].size(); ++k)
      for (int b = 0; b < 4; ++b)
        bytes[(i * width + k) * 4 + b] = static_cast<char>((decoded[i][k] >> (8 * b)) & 0xFF);
  impl.add_member(name, npy_header(where, "<U" + std::to_string(width), shape), bytes.data(),
                  bytes.size());
}

void NpzWriter::Impl::finish() {
  const std::uint64_t cd_offset = offset;
  for (const Entry& e : entries) {
    const bool offset64 = options.force_zip64 || e.offset >= k32;
    std::string extra;
    if (e.zip64 || offset64) {
      // Only the fields set to 0xFFFFFFFF below, in this order.
      std::string fields;
      if (e.zip64) {
        put64(fields, e.size);
        put64(fields, e.size);
      }
      if (offset64) put64(fields, e.offset);
      put16(extra, 0x0001);
      put16(extra, fields.size());
      extra += fields;
    }
    const bool needs45 = e.zip64 || offset64;
    std::string central;
    put32(central, 0x02014b50);
    put16(central, (3 << 8) | (needs45 ? 45 : 20));  // made by Unix
    put16(central, needs45 ? 45 : 20);
    put16(central, utf8_flag(e.file_name));
    put16(central, 0);
    put16(central, dos_time);
    put16(central, dos_date);
    put32(central, e.crc);
    put32(central, e.zip64 ? k32 : e.size);
    put32(central, e.zip64 ? k32 : e.size);
    put16(central, e.file_name.size());
    put16(central, extra.size());
    put16(central, 0);  // comment
    put16(central, 0);  // disk
    put16(central, 0);  // internal attributes
    put32(central, std::uint64_t{S_IFREG | 0644} << 16);
    put32(central, offset64 ? k32 : e.offset);
    central += e.file_name;
    central += extra;
    write(central);
  }
  const std::uint64_t cd_size = offset - cd_offset;
  const std::uint64_t count = entries.size();
  const bool zip64_end =
      options.force_zip64 || count >= k16 || cd_size >= k32 || cd_offset >= k32;
  std::string end;
  if (zip64_end) {
    const std::uint64_t record_offset = offset;
    put32(end, 0x06064b50);
    put64(end, 44);  // size of the rest of the record
    put16(end, (3 << 8) | 45);
    put16(end, 45);
    put32(end, 0);
    put32(end, 0);
    put64(end, count);
    put64(end, count);
    put64(end, cd_size);
    put64(end, cd_offset);
    put32(end, 0x07064b50);  // locator
    put32(end, 0);
    put64(end, record_offset);
    put32(end, 1);
  }
  put32(end, 0x06054b50);
  put16(end, 0);
  put16(end, 0);
  put16(end, zip64_end ? k16 : count);
  put16(end, zip64_end ? k16 : count);
  put32(end, zip64_end ? k32 : cd_size);
  put32(end, zip64_end ? k32 : cd_offset);
  put16(end, 0);
  write(end);
}

void NpzWriter::Close() {
  Impl& impl = *impl_;
  impl.check_usable("close");
  impl.finish();
  // Flushed and synced before the rename, so the final name never points at
  // data still in flight.
  if (std::fflush(impl.file) != 0 || ::fsync(::fileno(impl.file)) != 0)
    impl.fail("npz: cannot write " + impl.temp_path + " (for " + impl.path + "): " + errno_text());
  const int rc = std::fclose(impl.file);
  impl.file = nullptr;
  if (rc != 0)
    impl.fail("npz: cannot write " + impl.temp_path + " (for " + impl.path + "): " + errno_text());

  const char* from = impl.temp_path.c_str();
  const char* to = impl.path.c_str();
  if (impl.options.overwrite) {
    if (std::rename(from, to) != 0)
      impl.fail("npz: cannot rename " + impl.temp_path + " to " + impl.path + ": " + errno_text());
  } else if (::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) impl.fail(refusal(impl.path));
    if (errno != EINVAL && errno != ENOSYS)
      impl.fail("npz: cannot rename " + impl.temp_path + " to " + impl.path + ": " + errno_text());
    // The file system cannot rename without replacing: a hard link refuses
    // an existing target just as atomically.
    if (::link(from, to) != 0) {
      if (errno == EEXIST) impl.fail(refusal(impl.path));
      impl.fail("npz: cannot link " + impl.temp_path + " to " + impl.path + ": " + errno_text());
    }
    ::unlink(from);
  }
  impl.temp_path.clear();
  impl.closed = true;

  // Make the rename itself durable; failure here loses nothing already
  // written, so it is not reported.
  fs::path dir = fs::path(impl.path).parent_path();
  if (dir.empty()) dir = ".";
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace fer
