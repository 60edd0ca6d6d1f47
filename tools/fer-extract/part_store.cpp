// SPDX-License-Identifier: LGPL-2.1-or-later
#include "part_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "fer/blendshapes.h"
#include "fer/error.h"
#include "fer/face.h"
#include "fer/model_registry.h"

namespace fer_extract {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'F', 'E', 'R', 'P', 'A', 'R', 'T', '2'};  // 2: with a checksum
constexpr char kEnd[4] = {'E', 'N', 'D', '.'};
// Everything besides the clip that decides its result; a part written with
// other settings is not reused.
const std::string kSettings = "fer-extract part v1; wavelet haar N=" + std::to_string(kCoefficients) +
                              "; max_faces=1; ";

// The landmark coordinates (the image space keeps the text of the parts
// written before there was a choice, so they stay valid).
std::string settings_for(fer::LandmarkSpace space) {
  return kSettings + (space == fer::LandmarkSpace::Image ? "normalised x/w y/h z/w" : "canonical face space cm");
}

std::uint64_t fnv1a64(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Size and modification time (ns) of the clip file, or zeros if unreadable.
void file_identity(const std::string& path, std::int64_t& size, std::int64_t& mtime_ns) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    size = mtime_ns = 0;
    return;
  }
  size = static_cast<std::int64_t>(st.st_size);
  mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

class Writer {
 public:
  void bytes(const void* data, std::size_t n) {
    out_.append(static_cast<const char*>(data), n);
  }
  template <typename T>
  void value(T v) {
    bytes(&v, sizeof v);
  }
  void text(const std::string& s) {
    value<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  void floats(const std::vector<float>& v) {
    value<std::uint32_t>(static_cast<std::uint32_t>(v.size()));
    bytes(v.data(), v.size() * sizeof(float));
  }
  const std::string& data() const { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(const std::string& data) : data_(data) {}
  bool bytes(void* out, std::size_t n) {
    if (data_.size() - pos_ < n) return false;
    std::memcpy(out, data_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  template <typename T>
  bool value(T& v) {
    return bytes(&v, sizeof v);
  }
  bool text(std::string& s) {
    std::uint32_t n = 0;
    if (!value(n) || data_.size() - pos_ < n) return false;
    s.assign(data_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool floats(std::vector<float>& v, std::size_t expected) {
    std::uint32_t n = 0;
    if (!value(n) || n != expected) return false;
    v.resize(n);
    return bytes(v.data(), n * sizeof(float));
  }
  bool at_end() const { return pos_ == data_.size(); }

 private:
  const std::string& data_;
  std::size_t pos_ = 0;
};

std::string errno_text() { return std::strerror(errno); }

}  // namespace

PartStore::PartStore(const std::string& dir, fer::LandmarkSpace space)
    : dir_(dir), settings_(settings_for(space)) {
  std::error_code ec;
  fs::create_directory(dir_, ec);  // not its parents: the output's folder must exist
  if (ec || !fs::is_directory(dir_))
    throw fer::Error("cannot create the work directory " + dir_ + ": " +
                     (ec ? ec.message() : "not a directory"));
  const std::string lock = (fs::path(dir_) / "lock").string();
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throw fer::Error("cannot create " + lock + ": " + errno_text());
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw PartsLocked("another fer-extract is writing to this output (" + dir_ + " is locked)");
  }
  for (const fs::directory_entry& entry : fs::directory_iterator(dir_, ec))
    if (entry.path().extension() == ".tmp") fs::remove(entry.path(), ec);
}

PartStore::~PartStore() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string PartStore::part_path(const ClipKey& key) const {
  char name[64];
  std::snprintf(name, sizeof name, "%08d-%016llx.part", key.index,
                static_cast<unsigned long long>(fnv1a64(key.resolved_path)));
  return (fs::path(dir_) / name).string();
}

void PartStore::save(const ClipKey& key, const ClipFeatures& f) const {
  std::int64_t size = 0, mtime = 0;
  file_identity(key.resolved_path, size, mtime);
  Writer w;
  w.bytes(kMagic, sizeof kMagic);
  w.text(settings_);
  w.text(key.resolved_path);
  w.value<std::int64_t>(size);
  w.value<std::int64_t>(mtime);
  w.value<std::int64_t>(f.frames_total);
  w.value<std::int64_t>(f.frames_with_face);
  w.value<std::int32_t>(f.valid_coefficients);
  w.value<std::int32_t>(f.flagged ? 1 : 0);
  w.text(f.reason);
  w.floats(f.landmarks);
  w.floats(f.blendshapes);
  w.bytes(kEnd, sizeof kEnd);
  // A part damaged on disk later (bit rot, a stray write) must be recomputed,
  // not reused: the SHA-256 of all that precedes it.
  const std::string digest = fer::sha256_hex(w.data().data(), w.data().size());
  w.bytes(digest.data(), digest.size());

  const std::string path = part_path(key);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw fer::Error("cannot write " + tmp + ": " + errno_text());
  const std::string& data = w.data();
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = errno_text();
      ::close(fd);
      ::unlink(tmp.c_str());
      throw fer::Error("cannot write " + tmp + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw fer::Error("cannot write " + tmp + ": " + why);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw fer::Error("cannot rename " + tmp + " to " + path + ": " + why);
  }
}

std::optional<ClipFeatures> PartStore::load(const ClipKey& key) const {
  std::ifstream in(part_path(key), std::ios::binary);
  if (!in) return std::nullopt;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  constexpr std::size_t kDigest = 64;  // hex SHA-256
  if (data.size() < kDigest ||
      fer::sha256_hex(data.data(), data.size() - kDigest) != data.substr(data.size() - kDigest))
    return std::nullopt;  // damaged: computed again
  data.resize(data.size() - kDigest);
  Reader r(data);
  char magic[sizeof kMagic];
  std::string settings, path;
  std::int64_t size = 0, mtime = 0, now_size = 0, now_mtime = 0;
  if (!r.bytes(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof kMagic) != 0)
    return std::nullopt;
  if (!r.text(settings) || settings != settings_) return std::nullopt;
  if (!r.text(path) || path != key.resolved_path) return std::nullopt;
  file_identity(key.resolved_path, now_size, now_mtime);
  if (!r.value(size) || !r.value(mtime) || size != now_size || mtime != now_mtime)
    return std::nullopt;
  ClipFeatures f;
  std::int32_t valid = 0, flagged = 0;
  char end[sizeof kEnd];
  if (!r.value(f.frames_total) || !r.value(f.frames_with_face) || !r.value(valid) ||
      !r.value(flagged) || !r.text(f.reason) ||
      !r.floats(f.landmarks, static_cast<std::size_t>(kCoefficients) * fer::kFaceLandmarks * 3) ||
      !r.floats(f.blendshapes, static_cast<std::size_t>(kCoefficients) * fer::kBlendshapeCount) ||
      !r.bytes(end, sizeof end) || std::memcmp(end, kEnd, sizeof kEnd) != 0 || !r.at_end())
    return std::nullopt;
  f.valid_coefficients = valid;
  f.flagged = flagged != 0;
  return f;
}

void PartStore::remove() {
  if (lock_fd_ >= 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void PartStore::remove_if_empty() {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir_, ec))
    if (entry.path().extension() == ".part") return;
  if (!ec) remove();
}

}  // namespace fer_extract
