// SPDX-License-Identifier: LGPL-2.1-or-later
// LabelMap — a dataset's label names onto the classes an evaluation scores.
//
// WHAT THIS DOES
//   The classes of an evaluation are the model's labels (canonical names,
//   fer/emotion_labels.h) plus two outcomes of their own: `not_detected` (no
//   face found) and `unknown` (best probability below the confidence floor).
//   map() takes a dataset label case-insensitively through the common
//   synonyms (happiness/happy, anger/angry, sadness/sad, surprised/surprise,
//   fearful/fear, disgusted/disgust, neutrality/neutral), then through the
//   user's --map DATASET=CLASS pairs (matched the same way), and returns a
//   class name. `not_detected` (also "not detected", "no_face", "none") is
//   a label a dataset may use for frames without a visible face.
//
// ERRORS
//   The constructor throws fer::Error for a --map pair without '=' or whose
//   target is no class; map() throws for a label that is no class and is not
//   mapped, naming the label, the classes and the --map to add.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace fer_eval {

inline constexpr const char* kNotDetected = "not_detected";

class LabelMap {
 public:
  LabelMap(const std::vector<std::string>& model_labels, const std::vector<std::string>& pairs);

  // The class of dataset label `label`; `where` prefixes the error.
  std::string map(const std::string& label, const std::string& where) const;

  // Model labels, then not_detected, then unknown: the axes of the reports.
  const std::vector<std::string>& classes() const { return classes_; }
  int index(const std::string& cls) const;

 private:
  std::vector<std::string> classes_;
  std::map<std::string, std::string> mapped_;  // canonical dataset label -> class
};

}  // namespace fer_eval
