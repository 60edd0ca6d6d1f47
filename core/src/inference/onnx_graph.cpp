// SPDX-License-Identifier: LGPL-2.1-or-later
#include "inference/onnx_graph.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "fer/error.h"
#include "inference/protobuf_wire.h"

namespace fer {
namespace {

// Field numbers of onnx.proto.
enum ModelField { kModelGraph = 7, kModelOpset = 8 };
enum OpsetField { kOpsetDomain = 1, kOpsetVersion = 2 };
enum GraphField { kGraphNode = 1, kGraphInitializer = 5, kGraphInput = 11, kGraphOutput = 12 };
enum NodeField { kNodeInput = 1, kNodeOutput = 2, kNodeName = 3, kNodeOpType = 4,
                 kNodeAttribute = 5, kNodeDomain = 7 };
enum AttributeField { kAttrName = 1, kAttrFloat = 2, kAttrInt = 3, kAttrString = 4,
                      kAttrTensor = 5, kAttrFloats = 7, kAttrInts = 8 };
enum TensorField { kTensorDims = 1, kTensorDataType = 2, kTensorFloatData = 4,
                   kTensorInt32Data = 5, kTensorInt64Data = 7, kTensorName = 8,
                   kTensorRawData = 9, kTensorDataLocation = 14 };
enum TensorType { kFloat = 1, kInt32 = 6, kInt64 = 7 };

using Wire = ProtobufWire;

std::vector<std::int64_t> signed_varints(Wire& w, int type) {
  std::vector<std::uint64_t> raw;
  w.varints(type, raw);
  return {raw.begin(), raw.end()};
}

OnnxTensor read_tensor(Wire w, std::string& name) {
  OnnxTensor t;
  std::int64_t data_type = 0;
  std::string raw;
  bool has_raw = false;
  std::uint64_t field;
  int type;
  while (!w.done()) {
    w.key(field, type);
    switch (field) {
      case kTensorDims: {
        const auto dims = signed_varints(w, type);
        t.dims.insert(t.dims.end(), dims.begin(), dims.end());
        break;
      }
      case kTensorDataType: data_type = static_cast<std::int64_t>(w.varint()); break;
      case kTensorFloatData: w.floats(type, t.floats); break;
      case kTensorInt32Data:
      case kTensorInt64Data: {
        const auto ints = signed_varints(w, type);
        t.ints.insert(t.ints.end(), ints.begin(), ints.end());
        break;
      }
      case kTensorName: w.expect(type, Wire::kLengthDelimited, "tensor name"); name = w.string(); break;
      case kTensorRawData: w.expect(type, Wire::kLengthDelimited, "raw_data"); raw = w.string(); has_raw = true; break;
      case kTensorDataLocation:
        if (w.varint() != 0) w.fail("tensor " + name + " keeps its data in an external file");
        break;
      default: w.skip(type);
    }
  }
  std::int64_t elements = 1;
  for (std::int64_t d : t.dims) {
    if (d < 0) w.fail("tensor " + name + " has a negative dimension");
    if (d > 0 && elements > (std::int64_t{1} << 40) / d) w.fail("tensor " + name + " is too large");
    elements *= d;
  }
  t.is_float = data_type == kFloat;
  if (has_raw && !raw.empty()) {  // (an empty tensor, e.g. Resize's roi, has none)
    // raw_data is little-endian, as is every platform we build for.
    if (data_type == kFloat) {
      if (raw.size() % 4) w.fail("tensor " + name + ": raw float data of odd size");
      t.floats.resize(raw.size() / 4);
      std::memcpy(t.floats.data(), raw.data(), raw.size());
    } else if (data_type == kInt64) {
      if (raw.size() % 8) w.fail("tensor " + name + ": raw int64 data of odd size");
      t.ints.resize(raw.size() / 8);
      std::memcpy(t.ints.data(), raw.data(), raw.size());
    } else if (data_type == kInt32) {
      if (raw.size() % 4) w.fail("tensor " + name + ": raw int32 data of odd size");
      std::vector<std::int32_t> v(raw.size() / 4);
      std::memcpy(v.data(), raw.data(), raw.size());
      t.ints.assign(v.begin(), v.end());
    }
  }
  if (data_type == kFloat || data_type == kInt32 || data_type == kInt64) {
    const std::size_t stored = data_type == kFloat ? t.floats.size() : t.ints.size();
    if (stored != t.count())
      w.fail("tensor " + name + " holds " + std::to_string(stored) + " values for " +
             std::to_string(t.count()) + " elements");
  }
  return t;
}

void read_attribute(Wire w, OnnxNode& node) {
  std::string name;
  OnnxAttribute a;
  std::uint64_t field;
  int type;
  while (!w.done()) {
    w.key(field, type);
    switch (field) {
      case kAttrName: w.expect(type, Wire::kLengthDelimited, "attribute name"); name = w.string(); break;
      case kAttrFloat: w.expect(type, Wire::kFixed32, "attribute f"); a.f = w.fixed32_float(); break;
      case kAttrInt: w.expect(type, Wire::kVarint, "attribute i"); a.i = static_cast<std::int64_t>(w.varint()); break;
      case kAttrString: w.expect(type, Wire::kLengthDelimited, "attribute s"); a.s = w.string(); break;
      case kAttrTensor: {
        w.expect(type, Wire::kLengthDelimited, "attribute t");
        std::string ignored;
        a.t = read_tensor(w.sub(), ignored);
        break;
      }
      case kAttrFloats: w.floats(type, a.floats); break;
      case kAttrInts: {
        const auto ints = signed_varints(w, type);
        a.ints.insert(a.ints.end(), ints.begin(), ints.end());
        break;
      }
      default: w.skip(type);
    }
  }
  node.attributes[name] = std::move(a);
}

OnnxNode read_node(Wire w) {
  OnnxNode node;
  std::uint64_t field;
  int type;
  while (!w.done()) {
    w.key(field, type);
    if (type != Wire::kLengthDelimited) {
      w.skip(type);
      continue;
    }
    switch (field) {
      case kNodeInput: node.inputs.push_back(w.string()); break;
      case kNodeOutput: node.outputs.push_back(w.string()); break;
      case kNodeName: node.name = w.string(); break;
      case kNodeOpType: node.op_type = w.string(); break;
      case kNodeAttribute: read_attribute(w.sub(), node); break;
      case kNodeDomain: node.domain = w.string(); break;
      default: w.skip(type);
    }
  }
  if (node.domain == "ai.onnx") node.domain.clear();
  return node;
}

// ValueInfoProto: name = 1, type = 2 -> TypeProto.tensor_type = 1 ->
// Tensor.shape = 2 -> TensorShapeProto.dim = 1 -> Dimension.dim_value = 1.
Wire find(Wire w, std::uint64_t wanted, bool& found) {
  std::uint64_t field;
  int type;
  while (!w.done()) {
    w.key(field, type);
    if (field == wanted && type == Wire::kLengthDelimited) {
      found = true;
      return w.sub();
    }
    w.skip(type);
  }
  found = false;
  return w;
}

std::int64_t dimension(Wire dim) {
  std::uint64_t field;
  int type;
  std::int64_t value = -1;
  while (!dim.done()) {
    dim.key(field, type);
    if (field == 1 && type == Wire::kVarint)
      value = static_cast<std::int64_t>(dim.varint());
    else
      dim.skip(type);
  }
  return value > 0 ? value : -1;
}

OnnxValueInfo read_value_info(Wire w) {
  OnnxValueInfo info;
  std::uint64_t field;
  int type;
  while (!w.done()) {
    w.key(field, type);
    if (field == 1 && type == Wire::kLengthDelimited) {
      info.name = w.string();
    } else if (field == 2 && type == Wire::kLengthDelimited) {
      bool found = false;
      Wire shape = find(w.sub(), 1, found);
      if (found) shape = find(shape, 2, found);
      if (!found) continue;
      std::uint64_t dim_field;
      int dim_type;
      while (!shape.done()) {
        shape.key(dim_field, dim_type);
        if (dim_field == 1 && dim_type == Wire::kLengthDelimited)
          info.shape.push_back(dimension(shape.sub()));
        else
          shape.skip(dim_type);
      }
    } else {
      w.skip(type);
    }
  }
  return info;
}

std::int64_t default_opset(Wire w) {
  std::string domain;
  std::int64_t version = 0;
  std::uint64_t field;
  int type;
  while (!w.done()) {
    w.key(field, type);
    if (field == kOpsetDomain && type == Wire::kLengthDelimited) domain = w.string();
    else if (field == kOpsetVersion && type == Wire::kVarint) version = static_cast<std::int64_t>(w.varint());
    else w.skip(type);
  }
  return domain.empty() || domain == "ai.onnx" ? version : 0;
}

}  // namespace

std::size_t OnnxTensor::count() const {
  std::size_t n = 1;
  for (std::int64_t d : dims) n *= static_cast<std::size_t>(d);
  return n;
}

std::int64_t OnnxNode::attr_int(const std::string& attribute, std::int64_t fallback) const {
  auto it = attributes.find(attribute);
  return it == attributes.end() ? fallback : it->second.i;
}

float OnnxNode::attr_float(const std::string& attribute, float fallback) const {
  auto it = attributes.find(attribute);
  return it == attributes.end() ? fallback : it->second.f;
}

std::string OnnxNode::attr_string(const std::string& attribute, const std::string& fallback) const {
  auto it = attributes.find(attribute);
  return it == attributes.end() ? fallback : it->second.s;
}

std::vector<std::int64_t> OnnxNode::attr_ints(const std::string& attribute) const {
  auto it = attributes.find(attribute);
  return it == attributes.end() ? std::vector<std::int64_t>{} : it->second.ints;
}

std::string OnnxNode::describe() const {
  const std::string op = domain.empty() ? op_type : domain + "." + op_type;
  return name.empty() ? op : op + " (node " + name + ")";
}

const OnnxTensor* OnnxGraph::constant(const std::string& name) const {
  auto it = constants.find(name);
  return it == constants.end() ? nullptr : &it->second;
}

OnnxGraph OnnxGraph::Parse(const std::uint8_t* data, std::size_t size, const std::string& what) {
  OnnxGraph graph;
  Wire model(data, data + size, what);
  bool has_graph = false;
  std::vector<OnnxValueInfo> declared_inputs;
  std::uint64_t field;
  int type;
  while (!model.done()) {
    model.key(field, type);
    if (field == kModelOpset && type == Wire::kLengthDelimited) {
      graph.opset = std::max(graph.opset, default_opset(model.sub()));
    } else if (field == kModelGraph && type == Wire::kLengthDelimited) {
      has_graph = true;
      Wire g = model.sub();
      while (!g.done()) {
        g.key(field, type);
        if (type != Wire::kLengthDelimited) {
          g.skip(type);
          continue;
        }
        if (field == kGraphNode) {
          graph.nodes.push_back(read_node(g.sub()));
        } else if (field == kGraphInitializer) {
          std::string name;
          OnnxTensor t = read_tensor(g.sub(), name);
          graph.constants[name] = std::move(t);
        } else if (field == kGraphInput) {
          declared_inputs.push_back(read_value_info(g.sub()));
        } else if (field == kGraphOutput) {
          graph.outputs.push_back(read_value_info(g.sub()));
        } else {
          g.skip(type);
        }
      }
    } else {
      model.skip(type);
    }
  }
  if (!has_graph) model.fail("no graph");
  for (auto& input : declared_inputs)
    if (!graph.constants.count(input.name)) graph.inputs.push_back(std::move(input));
  for (const OnnxNode& node : graph.nodes)
    if (node.op_type == "Constant" && node.domain.empty() && node.outputs.size() == 1 &&
        node.has("value"))
      graph.constants[node.outputs[0]] = node.attributes.at("value").t;
  if (graph.inputs.empty()) model.fail("the graph has no input");
  if (graph.outputs.empty()) model.fail("the graph has no output");
  return graph;
}

OnnxGraph OnnxGraph::Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read model " + path);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  return Parse(bytes.data(), bytes.size(), "ONNX model " + path);
}

}  // namespace fer
