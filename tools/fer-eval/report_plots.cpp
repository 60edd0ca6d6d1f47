// SPDX-License-Identifier: LGPL-2.1-or-later
#include "report_plots.h"

#include <algorithm>
#include <cstdio>

#include <opencv2/imgproc.hpp>

namespace fer_eval {

namespace {

const cv::Scalar kInk(30, 30, 30), kGrid(200, 200, 200), kWhite(255, 255, 255);
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

void text(cv::Mat& img, const std::string& s, cv::Point at, double scale, const cv::Scalar& colour,
          int thickness = 1) {
  cv::putText(img, s, at, kFont, scale, colour, thickness, cv::LINE_AA);
}

cv::Size text_size(const std::string& s, double scale, int thickness = 1) {
  int base = 0;
  return cv::getTextSize(s, kFont, scale, thickness, &base);
}

void centred(cv::Mat& img, const std::string& s, cv::Point centre, double scale, const cv::Scalar& colour,
             int thickness = 1) {
  const cv::Size size = text_size(s, scale, thickness);
  text(img, s, {centre.x - size.width / 2, centre.y + size.height / 2}, scale, colour, thickness);
}

std::string format(const char* fmt, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

}  // namespace

cv::Mat draw_confusion(const fer::ClassificationMetrics& m, const std::string& title) {
  const int n = static_cast<int>(m.labels.size());
  const int cell = 78, left = 190, top = 110, right = 30, bottom = 70;
  cv::Mat img(top + n * cell + bottom, left + n * cell + right, CV_8UC3, kWhite);
  text(img, title, {20, 32}, 0.75, kInk, 2);
  centred(img, "predicted", {left + n * cell / 2, top - 62}, 0.6, kInk, 1);
  for (int c = 0; c < n; ++c) {
    // Column heads, two lines when long (not_detected).
    std::string label = m.labels[c];
    const auto us = label.find('_');
    if (us != std::string::npos) {
      centred(img, label.substr(0, us), {left + c * cell + cell / 2, top - 34}, 0.45, kInk);
      centred(img, label.substr(us + 1), {left + c * cell + cell / 2, top - 14}, 0.45, kInk);
    } else {
      centred(img, label, {left + c * cell + cell / 2, top - 16}, 0.45, kInk);
    }
  }
  // Vertical axis title, written rotated.
  cv::Mat axis(30, n * cell, CV_8UC3, kWhite);
  centred(axis, "true class (count)", {n * cell / 2, 15}, 0.6, kInk);
  cv::rotate(axis, axis, cv::ROTATE_90_COUNTERCLOCKWISE);
  axis.copyTo(img(cv::Rect(4, top, 30, n * cell)));
  for (int r = 0; r < n; ++r) {
    const std::int64_t support = m.per_class[r].support;
    const std::string head = m.labels[r] + " (" + std::to_string(support) + ")";
    const cv::Size size = text_size(head, 0.45);
    text(img, head, {left - 10 - size.width, top + r * cell + cell / 2 + 5}, 0.45, kInk);
    for (int c = 0; c < n; ++c) {
      const cv::Rect box(left + c * cell, top + r * cell, cell, cell);
      const std::int64_t count = m.confusion[r][c];
      const double share = support > 0 ? static_cast<double>(count) / static_cast<double>(support) : 0.0;
      // White to deep blue by share; dark cells get white text.
      const cv::Scalar fill(255 - share * (255 - 140), 255 - share * (255 - 60), 255 - share * (255 - 20));
      cv::rectangle(img, box, fill, cv::FILLED);
      cv::rectangle(img, box, kGrid, 1);
      if (r == c) cv::rectangle(img, box, kInk, 2);
      if (support == 0) continue;
      const cv::Scalar ink = share > 0.5 ? kWhite : kInk;
      centred(img, std::to_string(count), {box.x + cell / 2, box.y + cell / 2 - 10}, 0.55, ink, 1);
      centred(img, format("%.0f%%", 100.0 * share), {box.x + cell / 2, box.y + cell / 2 + 14}, 0.42, ink);
    }
  }
  const std::string foot = "items " + std::to_string(m.items) + "   WAR " + format("%.3f", m.war) + "   UAR " +
                           format("%.3f", m.uar) + "   macro F1 " + format("%.3f", m.macro_f1) +
                           "   (cells: count, share of the row)";
  text(img, foot, {20, top + n * cell + 40}, 0.5, kInk);
  return img;
}

cv::Mat draw_per_class(const fer::ClassificationMetrics& m, const std::string& title) {
  std::vector<const fer::ClassScores*> shown;
  for (const fer::ClassScores& s : m.per_class)
    if (s.support > 0 || s.predicted > 0) shown.push_back(&s);
  const int group = 120, left = 70, top = 90, plot_h = 320, bottom = 70;
  const int width = std::max(560, left + static_cast<int>(shown.size()) * group + 30);
  cv::Mat img(top + plot_h + bottom, width, CV_8UC3, kWhite);
  text(img, title, {20, 32}, 0.75, kInk, 2);
  const cv::Scalar colours[3] = {cv::Scalar(180, 119, 31), cv::Scalar(14, 127, 255), cv::Scalar(44, 160, 44)};
  const char* names[3] = {"precision", "recall", "F1"};
  for (int k = 0; k < 3; ++k) {
    const int x = left + k * 130;
    cv::rectangle(img, cv::Rect(x, 50, 16, 16), colours[k], cv::FILLED);
    text(img, names[k], {x + 22, 64}, 0.5, kInk);
  }
  for (int t = 0; t <= 10; t += 2) {
    const int y = top + plot_h - plot_h * t / 10;
    cv::line(img, {left, y}, {width - 20, y}, kGrid, 1);
    const std::string tick = format("%.1f", t / 10.0);
    text(img, tick, {left - 40, y + 5}, 0.45, kInk);
  }
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const fer::ClassScores& s = *shown[i];
    const double values[3] = {s.precision, s.recall, s.f1};
    const int x0 = left + static_cast<int>(i) * group + 15;
    for (int k = 0; k < 3; ++k) {
      const int h = static_cast<int>(values[k] * plot_h + 0.5);
      const cv::Rect bar(x0 + k * 30, top + plot_h - h, 26, std::max(h, 1));
      cv::rectangle(img, bar, colours[k], cv::FILLED);
      centred(img, format("%.2f", values[k]), {bar.x + 13, bar.y - 10}, 0.35, kInk);
    }
    centred(img, s.label, {x0 + 43, top + plot_h + 22}, 0.45, kInk);
    centred(img, "n=" + std::to_string(s.support), {x0 + 43, top + plot_h + 44}, 0.4, kInk);
  }
  cv::line(img, {left, top + plot_h}, {width - 20, top + plot_h}, kInk, 1);
  return img;
}

}  // namespace fer_eval
