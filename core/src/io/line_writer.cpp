// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/io/line_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "fer/error.h"

namespace fer {
namespace {

// Open writers by path; weak, so the file closes with its last user.
std::mutex g_registry_mutex;
std::map<std::string, std::weak_ptr<LineWriter>>& registry() {
  static std::map<std::string, std::weak_ptr<LineWriter>> writers;
  return writers;
}

// One key per file however it is spelled ("out.jsonl", "./out.jsonl").
std::string registry_key(const std::string& path) {
  if (path == "-") return path;
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  return (ec ? std::filesystem::path(path) : absolute).lexically_normal().string();
}

}  // namespace

std::shared_ptr<LineWriter> LineWriter::Create(const std::string& path, bool overwrite) {
  const std::string key = registry_key(path);
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  if (auto open = registry()[key].lock()) return open;

  std::FILE* file = stdout;
  if (path != "-") {
    // O_EXCL makes "refuse to overwrite" atomic.
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
    const int fd = open(path.c_str(), flags, 0644);
    if (fd < 0 && errno == EEXIST)
      throw FileExists("file \"" + path + "\" already exists");
    if (fd < 0)
      throw Error("cannot open \"" + path + "\" for writing: " + std::strerror(errno));
    file = fdopen(fd, "w");
    if (!file) {
      const int saved = errno;
      close(fd);
      throw Error("cannot open \"" + path + "\" for writing: " + std::strerror(saved));
    }
  }
  std::shared_ptr<LineWriter> writer(new LineWriter(path, file));
  registry()[key] = writer;
  return writer;
}

LineWriter::~LineWriter() {
  if (file_ == stdout)
    std::fflush(file_);
  else
    std::fclose(file_);
}

void LineWriter::WriteLine(std::string_view line) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() ||
      std::fputc('\n', file_) == EOF || std::fflush(file_) != 0)
    throw Error("cannot write to \"" + path_ + "\": " + std::strerror(errno));
}

}  // namespace fer
