// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::Error — the one exception type the core throws.
//
// WHAT THIS REPRESENTS
//   A failure the caller can report as is: the message names the problem and
//   where it is (a file path, a field, an option), e.g.
//   "model file not found: face_detection_short_range.onnx (searched: ...)".
//   Factories (Create) validate their options and throw Error; per-frame
//   calls throw Error only on broken invariants, never on ordinary content
//   such as a frame without faces.
#pragma once

#include <stdexcept>
#include <string>

namespace fer {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A model file that is nowhere on the search path (see ModelRegistry); other
// model problems (corrupt, unparsable) are plain Errors.
class ModelNotFound : public Error {
 public:
  using Error::Error;
};

// A file that exists and was not to be overwritten (LineWriter).
class FileExists : public Error {
 public:
  using Error::Error;
};

}  // namespace fer
