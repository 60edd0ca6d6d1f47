// SPDX-License-Identifier: LGPL-2.1-or-later
// The report's pictures, drawn with OpenCV: a row-normalised confusion
// matrix with counts, and per-class precision / recall / F1 bars.
#pragma once

#include <string>

#include <opencv2/core.hpp>

#include "fer/classification_metrics.h"

namespace fer_eval {

// Rows are true classes (with their support), columns predictions; each
// cell is shaded by its share of the row and shows count and percent.
cv::Mat draw_confusion(const fer::ClassificationMetrics& m, const std::string& title);

// One group of three bars per class with support or predictions.
cv::Mat draw_per_class(const fer::ClassificationMetrics& m, const std::string& title);

}  // namespace fer_eval
