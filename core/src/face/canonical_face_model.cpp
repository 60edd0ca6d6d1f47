// SPDX-License-Identifier: LGPL-2.1-or-later
// CanonicalFaceModel::Create — a GeometryPipelineMetadata read straight from
// protobuf wire format (no libprotobuf for three small messages).
//
// Messages and field numbers (mediapipe/modules/face_geometry/protos):
//   GeometryPipelineMetadata { Mesh3d canonical_mesh = 1;
//                              repeated WeightedLandmarkRef procrustes_landmark_basis = 2;
//                              InputSource input_source = 3; }
//   Mesh3d { VertexType vertex_type = 1; PrimitiveType primitive_type = 2;
//            repeated float vertex_buffer = 3; repeated uint32 index_buffer = 4; }
//   WeightedLandmarkRef { uint32 landmark_id = 1; float weight = 2; }
// The files are proto2 (repeated scalars unpacked), but a parser must accept
// both encodings, so packed ones are read too.
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>

#include "fer/error.h"
#include "fer/face.h"
#include "face/face_geometry.h"
#include "inference/protobuf_wire.h"

namespace fer {
namespace {

// Enum values this pipeline implements.
constexpr std::uint64_t kVertexPT = 0;      // x, y, z, u, v per vertex
constexpr std::uint64_t kTriangle = 0;      // 3 indices per primitive
constexpr std::uint64_t kInputDefault = 0;  // = FACE_LANDMARK_PIPELINE
constexpr std::uint64_t kInputLandmarks = 1;
constexpr int kVertexSize = 5;

using Wire = ProtobufWire;
constexpr int kVarint = Wire::kVarint;
constexpr int kLengthDelimited = Wire::kLengthDelimited;
constexpr int kFixed32 = Wire::kFixed32;

struct RawMetadata {
  std::uint64_t vertex_type = kVertexPT;  // proto2 defaults: the first enum value
  std::uint64_t primitive_type = kTriangle;
  std::uint64_t input_source = kInputDefault;
  bool has_mesh = false;
  std::vector<float> vertex_buffer;
  std::vector<std::uint64_t> index_buffer;
  std::vector<std::pair<std::uint64_t, float>> basis;
};

void parse_mesh(Wire wire, RawMetadata& m) {
  m.has_mesh = true;
  while (!wire.done()) {
    const std::uint64_t key = wire.varint();
    const int type = static_cast<int>(key & 7);
    switch (key >> 3) {
      case 1: wire.expect(type, kVarint, "vertex_type"); m.vertex_type = wire.varint(); break;
      case 2: wire.expect(type, kVarint, "primitive_type"); m.primitive_type = wire.varint(); break;
      case 3: wire.floats(type, m.vertex_buffer); break;
      case 4: wire.varints(type, m.index_buffer); break;
      default: wire.skip(type);
    }
  }
}

void parse_weighted_landmark(Wire wire, RawMetadata& m) {
  std::uint64_t id = 0;
  float weight = 0.0f;
  while (!wire.done()) {
    const std::uint64_t key = wire.varint();
    const int type = static_cast<int>(key & 7);
    switch (key >> 3) {
      case 1: wire.expect(type, kVarint, "landmark_id"); id = wire.varint(); break;
      case 2: wire.expect(type, kFixed32, "weight"); weight = wire.fixed32_float(); break;
      default: wire.skip(type);
    }
  }
  m.basis.emplace_back(id, weight);
}

RawMetadata parse_metadata(Wire wire) {
  RawMetadata m;
  while (!wire.done()) {
    const std::uint64_t key = wire.varint();
    const int type = static_cast<int>(key & 7);
    switch (key >> 3) {
      case 1: wire.expect(type, kLengthDelimited, "canonical_mesh"); parse_mesh(wire.sub(), m); break;
      case 2:
        wire.expect(type, kLengthDelimited, "procrustes_landmark_basis");
        parse_weighted_landmark(wire.sub(), m);
        break;
      case 3: wire.expect(type, kVarint, "input_source"); m.input_source = wire.varint(); break;
      default: wire.skip(type);
    }
  }
  return m;
}

}  // namespace

CanonicalFaceModel CanonicalFaceModel::Create(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read canonical face model: " + path);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  const Wire wire(bytes.data(), bytes.data() + bytes.size(), "canonical face model " + path);
  const RawMetadata m = parse_metadata(wire);

  if (!m.has_mesh) wire.fail("no canonical_mesh (field 1)");
  if (m.input_source != kInputDefault && m.input_source != kInputLandmarks)
    wire.fail("input_source " + std::to_string(m.input_source) +
              " is not FACE_LANDMARK_PIPELINE (only landmark input is implemented)");
  if (m.vertex_type != kVertexPT)
    wire.fail("vertex_type " + std::to_string(m.vertex_type) + " is not VERTEX_PT");
  if (m.primitive_type != kTriangle)
    wire.fail("primitive_type " + std::to_string(m.primitive_type) + " is not TRIANGLE");
  if (m.vertex_buffer.size() != static_cast<size_t>(kMeshLandmarks) * kVertexSize)
    wire.fail("vertex_buffer has " + std::to_string(m.vertex_buffer.size()) + " floats, expected " +
              std::to_string(kMeshLandmarks) + " vertices x " + std::to_string(kVertexSize));
  for (float v : m.vertex_buffer)
    if (!std::isfinite(v)) wire.fail("vertex_buffer holds a non-finite value");
  if (m.index_buffer.size() % 3 != 0)
    wire.fail("index_buffer has " + std::to_string(m.index_buffer.size()) +
              " indices, not a multiple of 3");
  for (std::uint64_t index : m.index_buffer)
    if (index >= static_cast<std::uint64_t>(kMeshLandmarks))
      wire.fail("index_buffer refers to vertex " + std::to_string(index) + " of " +
                std::to_string(kMeshLandmarks));
  if (m.basis.empty()) wire.fail("empty procrustes_landmark_basis (field 2)");
  double total_weight = 0;
  for (const auto& [id, weight] : m.basis) {
    if (id >= static_cast<std::uint64_t>(kMeshLandmarks))
      wire.fail("procrustes_landmark_basis refers to landmark " + std::to_string(id) + " of " +
                std::to_string(kMeshLandmarks));
    if (!(weight >= 0.0f) || !std::isfinite(weight))
      wire.fail("procrustes_landmark_basis weight of landmark " + std::to_string(id) +
                " is not a non-negative number");
    total_weight += weight;
  }
  // The Procrustes solve divides by the total weight (MediaPipe's bound).
  if (!(total_weight > 1e-9)) wire.fail("procrustes_landmark_basis weights sum to zero");

  CanonicalFaceModel model;
  model.vertices.reserve(kMeshLandmarks);
  model.uvs.reserve(kMeshLandmarks);
  for (int i = 0; i < kMeshLandmarks; ++i) {
    const float* v = &m.vertex_buffer[static_cast<size_t>(i) * kVertexSize];
    model.vertices.emplace_back(v[0], v[1], v[2]);
    model.uvs.emplace_back(v[3], v[4]);
  }
  for (const auto& [id, weight] : m.basis) model.procrustes_weights.emplace_back(int(id), weight);
  for (size_t i = 0; i < m.index_buffer.size(); i += 3)
    model.triangles.push_back({int(m.index_buffer[i]), int(m.index_buffer[i + 1]),
                               int(m.index_buffer[i + 2])});
  return model;
}

}  // namespace fer
