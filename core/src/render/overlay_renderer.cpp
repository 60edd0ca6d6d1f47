// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/overlay_renderer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <string>

#include <opencv2/imgproc.hpp>

#include "face/mesh_topology.h"

namespace fer {
namespace {

// A colour given as R, G, B in the byte order of `format`; the fourth byte
// of 4-byte formats (alpha or padding) is opaque.
cv::Scalar in_format(PixelFormat format, int r, int g, int b) {
  cv::Scalar colour = cv::Scalar::all(255);
  const auto offsets = rgb_offsets(format);
  colour[offsets[0]] = r;
  colour[offsets[1]] = g;
  colour[offsets[2]] = b;
  return colour;
}

// One colour per track id, fixed and easy to tell apart.
std::array<int, 3> track_colour(int id) {
  static const std::array<std::array<int, 3>, 6> palette = {{
      {0, 200, 255}, {255, 170, 0}, {120, 255, 80}, {255, 80, 200}, {255, 255, 80}, {160, 120, 255}}};
  return palette[static_cast<size_t>(std::max(id, 0)) % palette.size()];
}

constexpr size_t kNoseTip = 1;  // MediaPipe face mesh index

// One colour per emotion (the usual associations), grey for unknown; labels
// of a model's own get a colour from their name.
std::array<int, 3> emotion_colour(const std::string& label) {
  static const std::pair<const char*, std::array<int, 3>> colours[] = {
      {"angry", {235, 50, 50}},   {"disgust", {70, 170, 60}}, {"fear", {160, 90, 220}},
      {"happy", {255, 205, 0}},   {"sad", {60, 120, 235}},    {"surprise", {255, 135, 20}},
      {"neutral", {200, 200, 200}}, {"contempt", {170, 110, 70}}, {"unknown", {120, 120, 120}}};
  for (const auto& [name, rgb] : colours)
    if (label == name) return rgb;
  return track_colour(static_cast<int>(std::hash<std::string>{}(label) % 1000));
}

// Text on a filled tag; `origin` is the baseline start. Returns the tag box.
cv::Rect draw_tag(cv::Mat& frame, PixelFormat format, const std::string& text, cv::Point origin,
                  const std::array<int, 3>& rgb, double font, int thickness) {
  int baseline = 0;
  const cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, font, thickness, &baseline);
  const cv::Rect box(origin.x, origin.y - size.height - 2, size.width + 4, size.height + baseline + 2);
  cv::rectangle(frame, box, in_format(format, rgb[0], rgb[1], rgb[2]), cv::FILLED);
  cv::putText(frame, text, {origin.x + 2, origin.y}, cv::FONT_HERSHEY_SIMPLEX, font,
              in_format(format, 0, 0, 0), thickness, cv::LINE_AA);
  return box;
}

// Label and confidence under the box; a bar per class beside it (right of
// the box, or left when the frame ends there).
void draw_emotion(cv::Mat& frame, PixelFormat format, const Face& face, double scale,
                  int thickness, bool bars) {
  const Emotion& emotion = *face.emotion;
  const double font = 0.6 * scale;
  const std::string text = emotion.label + " " + std::to_string(int(std::lround(emotion.confidence * 100))) + "%";
  int baseline = 0;
  const int text_height = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, font, thickness, &baseline).height;
  const int below = int(face.bbox.y + face.bbox.height) + text_height + 6;
  draw_tag(frame, format, text, {int(face.bbox.x), std::min(below, frame.rows - baseline - 1)},
           emotion_colour(emotion.label), font, thickness);
  if (!bars) return;

  const double bar_font = 0.4 * scale;
  const int row = int(std::lround(14 * scale)), width = int(std::lround(90 * scale));
  int name_width = 0;
  for (const auto& p : emotion.probabilities)
    name_width = std::max(name_width, cv::getTextSize(p.label, cv::FONT_HERSHEY_SIMPLEX, bar_font, 1, &baseline).width);
  const int panel = name_width + 4 + width;
  int x = int(face.bbox.x + face.bbox.width) + 6;
  if (x + panel > frame.cols) x = std::max(0, int(face.bbox.x) - 6 - panel);
  int y = std::max(0, int(face.bbox.y));
  // A dark panel keeps the white names readable on any background.
  cv::rectangle(frame, cv::Rect(x - 2, y, panel + 4, row * int(emotion.probabilities.size()) + 2),
                in_format(format, 20, 20, 20), cv::FILLED);
  for (const auto& p : emotion.probabilities) {
    const auto rgb = emotion_colour(p.label);
    cv::putText(frame, p.label, {x, y + row - 3}, cv::FONT_HERSHEY_SIMPLEX, bar_font,
                in_format(format, 255, 255, 255), std::max(1, thickness - 1), cv::LINE_AA);
    const cv::Rect track(x + name_width + 4, y + 2, width, row - 4);
    cv::rectangle(frame, track, in_format(format, 60, 60, 60), cv::FILLED);
    cv::rectangle(frame, {track.x, track.y, int(std::lround(width * std::clamp(p.probability, 0.0f, 1.0f))), track.height},
                  in_format(format, rgb[0], rgb[1], rgb[2]), cv::FILLED);
    y += row;
  }
}

}  // namespace

void draw_faces(cv::Mat& frame, PixelFormat format, const std::vector<Face>& faces,
                const OverlayOptions& options) {
  // 1 at 480 rows: 288p draws 1-px lines, 2160p 4- to 5-px lines.
  const double scale = std::max(0.6, frame.rows / 480.0);
  const int thickness = std::max(1, static_cast<int>(std::lround(scale)));
  const int shift = 4;  // sub-pixel precision for contour lines
  const double one = 1 << shift;
  for (const Face& face : faces) {
    const auto rgb = track_colour(face.id);
    const cv::Scalar colour = in_format(format, rgb[0], rgb[1], rgb[2]);
    const cv::Scalar mesh_colour = in_format(format, 230, 230, 230);
    if (options.contours && !face.landmarks.empty()) {
      for (const MeshContour& contour : mesh_contours())
        for (size_t e = 0; e < contour.count; ++e) {
          const auto& a = face.landmarks[contour.edges[e].from];
          const auto& b = face.landmarks[contour.edges[e].to];
          cv::line(frame, {int(a.x * one), int(a.y * one)}, {int(b.x * one), int(b.y * one)},
                   mesh_colour, thickness, cv::LINE_AA, shift);
        }
    }
    if (options.points)
      for (const auto& p : face.landmarks)
        cv::circle(frame, {int(p.x * one), int(p.y * one)}, int(thickness * one), colour,
                   cv::FILLED, cv::LINE_AA, shift);
    if (options.axes && face.pose && face.landmarks.size() > kNoseTip) {
      // Canonical axes are right-handed with y up; the image's y grows down.
      const cv::Point3f& nose = face.landmarks[kNoseTip];
      const double length = 0.5 * face.bbox.height;
      const cv::Matx44f& m = face.pose->transform;
      const std::array<std::array<int, 3>, 3> axis_rgb = {{{230, 40, 40}, {40, 200, 40}, {40, 90, 240}}};
      for (int axis = 0; axis < 3; ++axis) {
        cv::Vec3d d(m(0, axis), m(1, axis), m(2, axis));
        d *= length / std::max(1e-6, cv::norm(d));
        const cv::Point tip(int((nose.x + d[0]) * one), int((nose.y - d[1]) * one));
        cv::arrowedLine(frame, {int(nose.x * one), int(nose.y * one)}, tip,
                        in_format(format, axis_rgb[axis][0], axis_rgb[axis][1], axis_rgb[axis][2]),
                        thickness + 1, cv::LINE_AA, shift, 0.15);
      }
    }
    if (options.boxes) cv::rectangle(frame, face.bbox, colour, thickness + 1, cv::LINE_AA);
    if (options.ids) {
      const double font = 0.6 * scale;
      int baseline = 0;
      const int height = cv::getTextSize("#", cv::FONT_HERSHEY_SIMPLEX, font, thickness, &baseline).height;
      draw_tag(frame, format, "#" + std::to_string(face.id),
               {int(face.bbox.x), std::max(height + 2, int(face.bbox.y) - 4)}, rgb, font, thickness);
    }
    if (options.emotion && face.emotion) draw_emotion(frame, format, face, scale, thickness, options.emotion_bars);
  }
}

}  // namespace fer
