// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::classification_metrics — how well predicted labels match true ones,
// in the measures emotion-recognition papers report (WAR, UAR, per-class
// precision / recall / F1, confusion matrix).
//
// WHAT THIS COMPUTES
//   Given the class names `labels` and, per item, the index of its true and
//   of its predicted class:
//     war          weighted average recall = accuracy: correct / items
//                  (scikit-learn's accuracy_score);
//     uar          unweighted average recall: the mean recall of the classes
//                  that have support (balanced_accuracy_score);
//     per class    precision = tp / predicted, recall = tp / support,
//                  f1 = 2 P R / (P + R); 0 where the denominator is 0
//                  (precision_recall_fscore_support with zero_division=0);
//     macro_f1     mean F1 of the classes that have support (f1_score with
//                  labels = those classes, average='macro');
//     weighted_f1  F1 averaged with support as weights (average='weighted');
//     confusion    counts, row = true class, column = predicted class, in
//                  the order of `labels` (confusion_matrix with labels=).
//   Classes a model never predicts and classes no item has stay in the
//   matrix and the per-class table (with zeros), so reports stay comparable.
//
// REQUIRES
//   truth.size() == predicted.size(); every index in [0, labels.size()).
//   Violations throw fer::Error.
//
// THREAD SAFETY
//   A pure function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fer {

struct ClassScores {
  std::string label;
  double precision = 0.0;
  double recall = 0.0;
  double f1 = 0.0;
  std::int64_t support = 0;    // items of this true class
  std::int64_t predicted = 0;  // items predicted as this class
};

struct ClassificationMetrics {
  std::int64_t items = 0;
  double war = 0.0;
  double uar = 0.0;
  double macro_f1 = 0.0;
  double weighted_f1 = 0.0;
  std::vector<std::string> labels;
  std::vector<ClassScores> per_class;                // in `labels` order
  std::vector<std::vector<std::int64_t>> confusion;  // [true][predicted]
};

ClassificationMetrics classification_metrics(const std::vector<std::string>& labels,
                                             const std::vector<int>& truth,
                                             const std::vector<int>& predicted);

}  // namespace fer
