// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::ModelRegistry — finding and verifying model files.
//
// WHAT THIS DOES
//   Locate(name) returns the path of model file `name`. A directory given
//   to the constructor (an element's model-dir, a tool's --model-dir) is the
//   only place searched: a model it lacks is an error, never a quiet
//   fallback on other copies. Without one, the search goes in order:
//     1. $FER_MODEL_DIR,
//     2. an installed library: its prefix's share/gst-fer/models, found
//        from where libfer-core.so was loaded (so a prefix chosen at
//        install time, or a package unpacked elsewhere, finds its own);
//        the build tree's library: the build tree's models/ directory,
//   so that a fresh build runs with no configuration, and an installed
//   library never uses a build tree's models. A directory that holds
//   a SHA256SUMS file (sha256sum format, written by the build) vouches for
//   the files it lists: a listed file whose digest differs is reported as
//   corrupt rather than handed to a parser.
//
// ENSURES
//   The constructor throws fer::ModelNotFound when model_dir is given but is
//   not an existing directory (a typo must not fall back quietly).
//   Locate() returns an existing, non-empty, verified file or throws
//   fer::ModelNotFound naming the file and every directory searched, or
//   fer::Error naming the file and both digests (corrupt).
//   LocateBeside() finds a file that belongs with another (the parts of a
//   split model): only in that file's directory, verified the same way.
//
// THREAD SAFETY
//   Immutable after construction; Locate() may be called concurrently.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace fer {

class ModelRegistry {
 public:
  explicit ModelRegistry(const std::string& model_dir = {});

  std::string Locate(const std::string& name) const;

  static std::string LocateBeside(const std::string& sibling_path, const std::string& name);

  const std::vector<std::string>& search_path() const { return search_path_; }

  // Where models are searched without a model_dir (1. and 2. above).
  static std::vector<std::string> DefaultSearchPath();

 private:
  std::vector<std::string> search_path_;
  bool explicit_dir_ = false;  // a model_dir was given: the only place searched
};

// Lower-case hex SHA-256 of a file's contents; throws fer::Error if unreadable.
std::string sha256_file(const std::string& path);

// Lower-case hex SHA-256 of a memory block.
std::string sha256_hex(const void* data, std::size_t size);

}  // namespace fer
