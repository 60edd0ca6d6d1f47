#include "fer/overlay_renderer.h"

#include <algorithm>
#include <array>
#include <string>

#include <opencv2/imgproc.hpp>

#include "fer/mesh_topology.h"

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
      const std::string label = "#" + std::to_string(face.id);
      const double font = 0.6 * scale;
      int baseline = 0;
      const cv::Size text = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, font, thickness, &baseline);
      const cv::Point origin(int(face.bbox.x), std::max(text.height + 2, int(face.bbox.y) - 4));
      cv::rectangle(frame, {origin.x, origin.y - text.height - 2}, {origin.x + text.width + 4, origin.y + baseline},
                    colour, cv::FILLED);
      cv::putText(frame, label, {origin.x + 2, origin.y}, cv::FONT_HERSHEY_SIMPLEX, font,
                  in_format(format, 0, 0, 0), thickness, cv::LINE_AA);
    }
  }
}

}  // namespace fer
