#include "fer/json_lines.h"

#include <cmath>

#include <nlohmann/json.hpp>

namespace fer {
namespace {

// Dividing by the integer scale (not multiplying by its inverse) yields the
// double nearest to the decimal, which prints short ("197.73").
double round_to(double value, double scale) { return std::round(value * scale) / scale; }

constexpr double kPixelScale = 100;   // 1/100 pixel
constexpr double kScoreScale = 1e4;   // 1e-4

nlohmann::ordered_json face_json(const Face& face) {
  nlohmann::ordered_json j;
  j["id"] = face.id;
  j["bbox"] = {round_to(face.bbox.x, kPixelScale), round_to(face.bbox.y, kPixelScale),
               round_to(face.bbox.width, kPixelScale), round_to(face.bbox.height, kPixelScale)};
  j["score"] = round_to(face.score, kScoreScale);
  if (!face.landmarks.empty()) {
    nlohmann::ordered_json points = nlohmann::ordered_json::array();
    for (const auto& p : face.landmarks)
      points.push_back({round_to(p.x, kPixelScale), round_to(p.y, kPixelScale),
                        round_to(p.z, kPixelScale)});
    j["landmarks"] = std::move(points);
  }
  return j;
}

}  // namespace

std::string to_json_line(const FrameFaces& frame) {
  nlohmann::ordered_json j;
  j["frame"] = frame.frame;
  j["pts"] = frame.pts ? nlohmann::ordered_json(*frame.pts) : nlohmann::ordered_json(nullptr);
  j["width"] = frame.width;
  j["height"] = frame.height;
  j["faces"] = nlohmann::ordered_json::array();
  for (const Face& face : frame.faces) j["faces"].push_back(face_json(face));
  return j.dump();
}

}  // namespace fer
