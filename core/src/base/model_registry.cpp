// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/model_registry.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <dlfcn.h>
#include <openssl/evp.h>

#include "fer/error.h"

namespace fs = std::filesystem;

namespace fer {
namespace {

// Digest listed for `name` in dir/SHA256SUMS, or "" if not listed.
std::string listed_digest(const fs::path& dir, const std::string& name) {
  std::ifstream sums(dir / "SHA256SUMS");
  std::string line;
  while (std::getline(sums, line)) {
    std::istringstream fields(line);
    std::string digest, file;
    fields >> digest >> file;
    if (!file.empty() && file[0] == '*') file.erase(0, 1);  // binary-mode marker
    if (file == name) return digest;
  }
  return {};
}

// The directory libfer-core.so was loaded from.
fs::path library_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(&listed_digest), &info) == 0 || !info.dli_fname) return {};
  std::error_code ec;
  const fs::path library = fs::canonical(info.dli_fname, ec);
  return ec ? fs::path() : library.parent_path();
}

bool same_directory(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return !a.empty() && fs::equivalent(a, b, ec);
}

}  // namespace

std::vector<std::string> ModelRegistry::DefaultSearchPath() {
  std::vector<std::string> path;
  if (const char* env = std::getenv("FER_MODEL_DIR"); env && *env) path.push_back(env);
  // The build tree's library uses the build tree's models; an installed one
  // its prefix's (wherever the prefix was moved), never a build tree's.
  const fs::path here = library_dir();
  if (same_directory(here, FER_BUILD_LIBRARY_DIR))
    path.push_back(FER_BUILD_MODEL_DIR);
  else if (!here.empty())
    path.push_back((here / FER_MODEL_DIR_FROM_LIBDIR).lexically_normal().string());
  return path;
}

ModelRegistry::ModelRegistry(const std::string& model_dir) {
  // A directory given on purpose that is not there is a typo, not a reason
  // to fall back quietly on the models elsewhere.
  std::error_code ec;
  if (!model_dir.empty() && !std::filesystem::is_directory(model_dir, ec))
    throw ModelNotFound("model directory not found: " + model_dir + " (model-dir: an existing directory, or unset)");
  if (!model_dir.empty()) {
    search_path_.push_back(model_dir);
    explicit_dir_ = true;
    return;
  }
  search_path_ = DefaultSearchPath();
}

namespace {

// dir/name if it is a regular file, verified against dir/SHA256SUMS; "" if absent.
std::string verified(const fs::path& dir, const std::string& name) {
  const fs::path path = dir / name;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return {};
  if (fs::file_size(path, ec) == 0) throw Error("model file is empty: " + path.string());
  const std::string expected = listed_digest(dir, name);
  if (!expected.empty()) {
    const std::string actual = sha256_file(path.string());
    if (actual != expected)
      throw Error("model file is corrupt: " + path.string() + " (sha256 " + actual +
                  ", expected " + expected + " from " + (dir / "SHA256SUMS").string() + ")");
  }
  return path.string();
}

}  // namespace

std::string ModelRegistry::Locate(const std::string& name) const {
  for (const auto& dir : search_path_)
    if (std::string path = verified(dir, name); !path.empty()) return path;
  std::string searched;
  for (const auto& dir : search_path_) searched += (searched.empty() ? "" : ", ") + dir;
  if (explicit_dir_)
    throw ModelNotFound("model file not found: " + name + " in the model directory " + searched +
                        " (an explicit model directory must hold every model; unset it to search the default places)");
  throw ModelNotFound("model file not found: " + name + " (searched: " + searched +
              "; set model-dir or FER_MODEL_DIR, or build the fer_models target)");
}

std::string ModelRegistry::LocateBeside(const std::string& sibling_path, const std::string& name) {
  const fs::path dir = fs::path(sibling_path).parent_path();
  std::string path = verified(dir, name);
  if (path.empty()) throw ModelNotFound("model file not found: " + (dir / name).string());
  return path;
}

namespace {

// Feeds `feed(ctx)` to a SHA-256 digest and returns it in lower-case hex.
template <typename Feed>
std::string sha256_of(Feed feed) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  feed(ctx);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

}  // namespace

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  return sha256_of([&](EVP_MD_CTX* ctx) {
    char buffer[1 << 16];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
      EVP_DigestUpdate(ctx, buffer, static_cast<size_t>(in.gcount()));
  });
}

std::string sha256_hex(const void* data, std::size_t size) {
  return sha256_of([&](EVP_MD_CTX* ctx) { EVP_DigestUpdate(ctx, data, size); });
}

}  // namespace fer
