#include "fer/json_lines.h"

#include <cmath>

#include <nlohmann/json.hpp>

namespace fer {
namespace {

double round_to(double value, double step) { return std::round(value / step) * step; }

constexpr double kPixelStep = 0.01;
constexpr double kScoreStep = 1e-4;

nlohmann::json face_json(const Face& face) {
  nlohmann::json j;
  j["id"] = face.id;
  j["bbox"] = {round_to(face.bbox.x, kPixelStep), round_to(face.bbox.y, kPixelStep),
               round_to(face.bbox.width, kPixelStep), round_to(face.bbox.height, kPixelStep)};
  j["score"] = round_to(face.score, kScoreStep);
  if (!face.landmarks.empty()) {
    nlohmann::json points = nlohmann::json::array();
    for (const auto& p : face.landmarks)
      points.push_back({round_to(p.x, kPixelStep), round_to(p.y, kPixelStep),
                        round_to(p.z, kPixelStep)});
    j["landmarks"] = std::move(points);
  }
  return j;
}

}  // namespace

std::string to_json_line(const FrameFaces& frame) {
  nlohmann::json j;
  j["frame"] = frame.frame;
  j["pts"] = frame.pts ? nlohmann::json(*frame.pts) : nlohmann::json(nullptr);
  j["width"] = frame.width;
  j["height"] = frame.height;
  j["faces"] = nlohmann::json::array();
  for (const Face& face : frame.faces) j["faces"].push_back(face_json(face));
  return j.dump();
}

}  // namespace fer
