// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::OnnxGraph — the nodes, constants and interface of an ONNX model, read
// with the core's bounded protobuf reader (no libprotobuf).
//
// WHAT THIS HOLDS
//   What an inference engine needs to rebuild the network: the nodes in file
//   order (operator, domain, inputs, outputs, attributes), the float and
//   integer initializers (and Constant nodes' values) by name, the graph
//   inputs that are not initializers and the graph outputs, each with its
//   declared shape (-1 for a symbolic or missing dimension).
//
// ERRORS
//   Read() throws fer::Error naming the file: unreadable, malformed protobuf,
//   a tensor whose data does not match its dimensions, external tensor data,
//   or a graph without inputs or outputs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fer {

struct OnnxTensor {
  std::vector<std::int64_t> dims;
  std::vector<float> floats;       // FLOAT data
  std::vector<std::int64_t> ints;  // INT32/INT64 data
  bool is_float = false;

  std::size_t count() const;
};

struct OnnxAttribute {
  float f = 0;
  std::int64_t i = 0;
  std::string s;
  std::vector<float> floats;
  std::vector<std::int64_t> ints;
  OnnxTensor t;
};

struct OnnxNode {
  std::string op_type, domain, name;
  std::vector<std::string> inputs, outputs;
  std::map<std::string, OnnxAttribute> attributes;

  bool has(const std::string& attribute) const { return attributes.count(attribute) > 0; }
  std::int64_t attr_int(const std::string& attribute, std::int64_t fallback) const;
  float attr_float(const std::string& attribute, float fallback) const;
  std::string attr_string(const std::string& attribute, const std::string& fallback) const;
  std::vector<std::int64_t> attr_ints(const std::string& attribute) const;
  // "op_type" for the default domain, "domain.op_type" otherwise; then the
  // node name, for messages.
  std::string describe() const;
};

struct OnnxValueInfo {
  std::string name;
  std::vector<std::int64_t> shape;
};

struct OnnxGraph {
  std::vector<OnnxNode> nodes;
  std::map<std::string, OnnxTensor> constants;  // initializers and Constant nodes
  std::vector<OnnxValueInfo> inputs;            // not initializers
  std::vector<OnnxValueInfo> outputs;
  std::int64_t opset = 0;                       // of the default domain

  static OnnxGraph Read(const std::string& path);
  static OnnxGraph Parse(const std::uint8_t* data, std::size_t size, const std::string& what);

  const OnnxTensor* constant(const std::string& name) const;
};

}  // namespace fer
