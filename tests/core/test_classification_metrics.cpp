// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::classification_metrics on a hand-worked case (values also given by
// scikit-learn 1.2: accuracy_score, balanced_accuracy_score, f1_score,
// precision_recall_fscore_support(zero_division=0)), a class without support
// or predictions among them, and its errors. The same measures on real
// predictions are checked against scikit-learn itself in fer_eval_tests.
#include <gtest/gtest.h>

#include "fer/classification_metrics.h"
#include "fer/error.h"

namespace {

TEST(ClassificationMetrics, HandWorkedCaseWithAnEmptyClass) {
  // true a a a b b c, predicted a a b b c c; d has neither.
  const auto m = fer::classification_metrics({"a", "b", "c", "d"}, {0, 0, 0, 1, 1, 2}, {0, 0, 1, 1, 2, 2});
  EXPECT_EQ(m.items, 6);
  EXPECT_NEAR(m.war, 4.0 / 6.0, 1e-12);
  EXPECT_NEAR(m.uar, (2.0 / 3.0 + 0.5 + 1.0) / 3.0, 1e-12);  // d has no support: not averaged
  EXPECT_NEAR(m.macro_f1, (0.8 + 0.5 + 2.0 / 3.0) / 3.0, 1e-12);
  EXPECT_NEAR(m.weighted_f1, (3 * 0.8 + 2 * 0.5 + 1 * 2.0 / 3.0) / 6.0, 1e-12);
  ASSERT_EQ(m.per_class.size(), 4u);
  EXPECT_NEAR(m.per_class[0].precision, 1.0, 1e-12);
  EXPECT_NEAR(m.per_class[0].recall, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.per_class[2].precision, 0.5, 1e-12);
  EXPECT_NEAR(m.per_class[2].f1, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(m.per_class[3].support, 0);
  EXPECT_EQ(m.per_class[3].predicted, 0);
  EXPECT_EQ(m.per_class[3].f1, 0.0);
  const std::vector<std::vector<std::int64_t>> confusion = {{2, 1, 0, 0}, {0, 1, 1, 0}, {0, 0, 1, 0}, {0, 0, 0, 0}};
  EXPECT_EQ(m.confusion, confusion);
}

TEST(ClassificationMetrics, PredictionsOfAClassWithoutSupport) {
  // Everything predicted as b, which no item is: precision 0, not in UAR.
  const auto m = fer::classification_metrics({"a", "b"}, {0, 0}, {1, 1});
  EXPECT_EQ(m.war, 0.0);
  EXPECT_EQ(m.uar, 0.0);
  EXPECT_EQ(m.per_class[1].predicted, 2);
  EXPECT_EQ(m.per_class[1].precision, 0.0);
}

TEST(ClassificationMetrics, NoItems) {
  const auto m = fer::classification_metrics({"a"}, {}, {});
  EXPECT_EQ(m.items, 0);
  EXPECT_EQ(m.war, 0.0);
  EXPECT_EQ(m.uar, 0.0);
}

TEST(ClassificationMetrics, BadIndicesAndSizes_n) {
  EXPECT_THROW(fer::classification_metrics({"a"}, {0}, {}), fer::Error);
  EXPECT_THROW(fer::classification_metrics({"a"}, {0}, {1}), fer::Error);
  EXPECT_THROW(fer::classification_metrics({"a"}, {-1}, {0}), fer::Error);
}

}  // namespace
