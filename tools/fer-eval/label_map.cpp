// SPDX-License-Identifier: LGPL-2.1-or-later
#include "label_map.h"

#include <algorithm>

#include "fer/emotion_labels.h"
#include "fer/error.h"

namespace fer_eval {

namespace {

// A dataset label in the form the classes use.
std::string canonical(const std::string& label) {
  std::string name = fer::canonical_emotion_label(label);
  if (name == "not detected" || name == "no_face" || name == "none" || name == "not-detected")
    return kNotDetected;
  return name;
}

std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

LabelMap::LabelMap(const std::vector<std::string>& model_labels, const std::vector<std::string>& pairs)
    : classes_(model_labels) {
  classes_.push_back(kNotDetected);
  classes_.push_back(std::string(fer::kUnknownEmotion));
  for (const std::string& pair : pairs) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size())
      throw fer::Error("--map " + pair + ": expected DATASET=CLASS, e.g. --map contempt=unknown");
    const std::string target = canonical(pair.substr(eq + 1));
    if (index(target) < 0)
      throw fer::Error("--map " + pair + ": '" + pair.substr(eq + 1) + "' is not a class of this evaluation (" +
                       listed(classes_) + ")");
    mapped_[canonical(pair.substr(0, eq))] = target;
  }
}

int LabelMap::index(const std::string& cls) const {
  const auto it = std::find(classes_.begin(), classes_.end(), cls);
  return it == classes_.end() ? -1 : static_cast<int>(it - classes_.begin());
}

std::string LabelMap::map(const std::string& label, const std::string& where) const {
  const std::string name = canonical(label);
  if (const auto it = mapped_.find(name); it != mapped_.end()) return it->second;
  if (index(name) >= 0 && name != fer::kUnknownEmotion) return name;
  throw fer::Error(where + ": label '" + label + "' is not one the model outputs (" +
                   listed(std::vector<std::string>(classes_.begin(), classes_.end() - 1)) +
                   "); map it with --map " + name + "=CLASS, e.g. --map " + name + "=unknown");
}

}  // namespace fer_eval
