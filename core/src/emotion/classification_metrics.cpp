// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/classification_metrics.h"

#include "fer/error.h"

namespace fer {

namespace {

double ratio(std::int64_t num, std::int64_t den) {
  return den > 0 ? static_cast<double>(num) / static_cast<double>(den) : 0.0;
}

}  // namespace

ClassificationMetrics classification_metrics(const std::vector<std::string>& labels,
                                             const std::vector<int>& truth,
                                             const std::vector<int>& predicted) {
  if (truth.size() != predicted.size())
    throw Error("classification metrics: " + std::to_string(truth.size()) + " true labels but " +
                std::to_string(predicted.size()) + " predictions");
  const int n = static_cast<int>(labels.size());
  ClassificationMetrics m;
  m.labels = labels;
  m.items = static_cast<std::int64_t>(truth.size());
  m.confusion.assign(labels.size(), std::vector<std::int64_t>(labels.size(), 0));
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const int t = truth[i], p = predicted[i];
    if (t < 0 || t >= n || p < 0 || p >= n)
      throw Error("classification metrics: item " + std::to_string(i) + " has a class index outside 0.." +
                  std::to_string(n - 1));
    ++m.confusion[t][p];
    if (t == p) ++correct;
  }
  m.war = ratio(correct, m.items);

  int supported = 0;
  for (int c = 0; c < n; ++c) {
    ClassScores s;
    s.label = labels[c];
    const std::int64_t tp = m.confusion[c][c];
    for (int k = 0; k < n; ++k) {
      s.support += m.confusion[c][k];
      s.predicted += m.confusion[k][c];
    }
    s.precision = ratio(tp, s.predicted);
    s.recall = ratio(tp, s.support);
    s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
    if (s.support > 0) {
      ++supported;
      m.uar += s.recall;
      m.macro_f1 += s.f1;
      m.weighted_f1 += s.f1 * static_cast<double>(s.support);
    }
    m.per_class.push_back(s);
  }
  if (supported > 0) {
    m.uar /= supported;
    m.macro_f1 /= supported;
  }
  if (m.items > 0) m.weighted_f1 /= static_cast<double>(m.items);
  return m;
}

}  // namespace fer
