// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/io/json_lines.h"

#include <cmath>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "fer/blendshapes.h"
#include "fer/error.h"

namespace fer {
namespace {

// Dividing by the integer scale (not multiplying by its inverse) yields the
// double nearest to the decimal, which prints short ("197.73").
double round_to(double value, double scale) { return std::round(value * scale) / scale; }

constexpr double kScoreScale = 1e4;   // 1e-4
constexpr double kMatrixScale = 1e6;  // pose: rotation terms in [-1, 1], translation in cm
constexpr double kFeatureScale = 1e6; // normalised coordinates and coefficients

// Names and reasons come from outside (properties, file names in error
// messages) and may not be UTF-8: such bytes become U+FFFD rather than an
// exception that would lose the line.
std::string dump_line(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

nlohmann::ordered_json optional_ns(const std::optional<std::int64_t>& ns) {
  return ns ? nlohmann::ordered_json(*ns) : nlohmann::ordered_json(nullptr);
}

// Row-major floats as rows of `cols` values, or of `cols` [inner] arrays.
nlohmann::ordered_json float_rows(const std::vector<float>& values, std::size_t cols,
                                  std::size_t inner) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  std::size_t row_size = cols * inner;
  for (std::size_t r = 0; r + row_size <= values.size(); r += row_size) {
    nlohmann::ordered_json row = nlohmann::ordered_json::array();
    for (std::size_t c = 0; c < cols; ++c) {
      if (inner == 1) {
        row.push_back(round_to(values[r + c], kFeatureScale));
        continue;
      }
      nlohmann::ordered_json cell = nlohmann::ordered_json::array();
      for (std::size_t k = 0; k < inner; ++k)
        cell.push_back(round_to(values[r + c * inner + k], kFeatureScale));
      row.push_back(std::move(cell));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

nlohmann::ordered_json features_json(const FaceFeatures& f) {
  nlohmann::ordered_json j;
  j["start_frame"] = f.start_frame;
  j["end_frame"] = f.end_frame;
  j["start_pts"] = optional_ns(f.start_pts);
  j["end_pts"] = optional_ns(f.end_pts);
  j["T"] = f.samples;
  j["L"] = f.level;
  j["valid"] = f.valid;
  j["coefficients"] = f.coefficients;
  j["rows"] = f.rows;
  j["space"] = landmark_space_name(f.space);
  j["landmarks"] = float_rows(f.landmarks, kFaceLandmarks, 3);
  j["blendshapes"] = float_rows(f.blendshapes, kBlendshapeCount, 1);
  return j;
}

constexpr struct {
  const char* name;
  FaceField field;
} kFieldNames[] = {
    {"id", kFieldId},       {"bbox", kFieldBbox}, {"score", kFieldScore},     {"landmarks", kFieldLandmarks},
    {"blendshapes", kFieldBlendshapes}, {"pose", kFieldPose}, {"emotion", kFieldEmotion}, {"features", kFieldFeatures},
};

nlohmann::ordered_json face_json(const Face& face, const JsonLinesOptions& options) {
  const unsigned fields = options.fields;
  const double pixel_scale = std::pow(10.0, options.precision);  // also angles
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (fields & kFieldId) j["id"] = face.id;
  if (fields & kFieldBbox)
    j["bbox"] = {round_to(face.bbox.x, pixel_scale), round_to(face.bbox.y, pixel_scale),
                 round_to(face.bbox.width, pixel_scale), round_to(face.bbox.height, pixel_scale)};
  if (fields & kFieldScore) j["score"] = round_to(face.score, kScoreScale);
  if ((fields & kFieldLandmarks) && !face.landmarks.empty()) {
    nlohmann::ordered_json points = nlohmann::ordered_json::array();
    for (const auto& p : face.landmarks)
      points.push_back({round_to(p.x, pixel_scale), round_to(p.y, pixel_scale),
                        round_to(p.z, pixel_scale)});
    j["landmarks"] = std::move(points);
  }
  if ((fields & kFieldBlendshapes) && face.blendshapes.size() == kBlendshapeCount) {
    nlohmann::ordered_json shapes;
    for (int i = 0; i < kBlendshapeCount; ++i)
      shapes[blendshape_names()[i]] = round_to(face.blendshapes[i], kScoreScale);
    j["blendshapes"] = std::move(shapes);
  }
  if ((fields & kFieldPose) && face.pose) {
    nlohmann::ordered_json matrix = nlohmann::ordered_json::array();
    for (int i = 0; i < 16; ++i) matrix.push_back(round_to(face.pose->transform.val[i], kMatrixScale));
    j["pose"] = std::move(matrix);
    j["yaw"] = round_to(face.pose->yaw, pixel_scale);
    j["pitch"] = round_to(face.pose->pitch, pixel_scale);
    j["roll"] = round_to(face.pose->roll, pixel_scale);
  }
  if ((fields & kFieldEmotion) && face.emotion) {
    nlohmann::ordered_json probs;
    for (const auto& p : face.emotion->probabilities) probs[p.label] = round_to(p.probability, kScoreScale);
    j["emotion"] = {{"label", face.emotion->label},
                    {"confidence", round_to(face.emotion->confidence, kScoreScale)},
                    {"probs", std::move(probs)}};
  }
  if ((fields & kFieldFeatures) && face.features) j["features"] = features_json(*face.features);
  return j;
}

}  // namespace

unsigned parse_face_fields(const std::string& names) {
  unsigned fields = 0;
  std::size_t start = 0;
  while (start <= names.size()) {
    std::size_t end = names.find(',', start);
    if (end == std::string::npos) end = names.size();
    const std::string name = names.substr(start, end - start);
    unsigned field = 0;
    for (const auto& known : kFieldNames)
      if (name == known.name) field = known.field;
    if (field == 0)
      throw Error("unknown face field \"" + name + "\" in \"" + names + "\" (known: " + face_field_names() + ")");
    if (fields & field) throw Error("face field \"" + name + "\" named twice in \"" + names + "\"");
    fields |= field;
    start = end + 1;
  }
  return fields;
}

std::string face_field_names() {
  std::string names;
  for (const auto& known : kFieldNames) names += (names.empty() ? "" : ",") + std::string(known.name);
  return names;
}

std::string to_json_line(const FrameFaces& frame, const JsonLinesOptions& options,
                         const FrameOrigin* origin) {
  if (options.precision < 0 || options.precision > 6)
    throw Error("JSON lines precision must be 0 to 6 decimals, not " + std::to_string(options.precision));
  nlohmann::ordered_json j;
  if (origin) j["source"] = origin->source;
  j["frame"] = frame.frame;
  if (origin) j["dropped"] = origin->dropped;
  j["pts"] = frame.pts ? nlohmann::ordered_json(*frame.pts) : nlohmann::ordered_json(nullptr);
  j["width"] = frame.width;
  j["height"] = frame.height;
  j["faces"] = nlohmann::ordered_json::array();
  for (const Face& face : frame.faces) j["faces"].push_back(face_json(face, options));
  return dump_line(j);
}

std::string to_json_line(const SourceEvent& event) {
  // Floor division: a time before 1970 still prints a valid timestamp (and
  // no step overflows, down to INT64_MIN).
  std::int64_t whole_seconds = event.time_us / 1000000;
  std::int64_t us_in_second = event.time_us % 1000000;
  if (us_in_second < 0) {
    us_in_second += 1000000;
    --whole_seconds;
  }
  const std::time_t seconds = static_cast<std::time_t>(whole_seconds);
  std::tm utc{};
  if (!gmtime_r(&seconds, &utc)) {  // out of range: the epoch
    const std::time_t epoch = 0;
    gmtime_r(&epoch, &utc);
  }
  char time[80];
  std::snprintf(time, sizeof time, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(us_in_second / 1000));
  nlohmann::ordered_json j;
  j["event"] = event.event;
  j["source"] = event.source;
  j["time"] = time;
  j["frames_in"] = event.frames_in;
  j["dropped"] = event.dropped;
  if (!event.reason.empty()) j["reason"] = event.reason;
  if (event.attempts) j["attempts"] = *event.attempts;
  if (event.down_ms) j["down_ms"] = *event.down_ms;
  return dump_line(j);
}

}  // namespace fer
