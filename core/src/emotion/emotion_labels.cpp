// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/emotion_labels.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace fer {

std::string canonical_emotion_label(std::string_view label) {
  std::string name(label);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const std::pair<std::string_view, std::string_view> kSynonyms[] = {
      {"anger", "angry"},       {"happiness", "happy"}, {"sadness", "sad"},
      {"surprised", "surprise"}, {"fearful", "fear"},   {"disgusted", "disgust"},
      {"neutrality", "neutral"},
  };
  for (const auto& [synonym, canonical] : kSynonyms)
    if (name == synonym) return std::string(canonical);
  return name;
}

}  // namespace fer
