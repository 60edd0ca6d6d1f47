// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/onnx_net.h"

#include <fstream>
#include <iterator>
#include <mutex>
#include <set>

#include <opencv2/core/utils/logger.hpp>

#include "depthwise_conv_layer.h"
#include "fer/error.h"
#include "protobuf_wire.h"

namespace fer {
namespace {

// cv::dnn's importer warns once per node of a domain it has no table for,
// which is every gst_fer.DepthwiseConv2D node; errors still show. The log
// level is global, so concurrent loads share one quiet period.
class QuietImporter {
 public:
  QuietImporter() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (depth_++ == 0)
      saved_ = cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  }
  ~QuietImporter() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--depth_ == 0) cv::utils::logging::setLogLevel(saved_);
  }

 private:
  static inline std::mutex mutex_;
  static inline int depth_ = 0;
  static inline cv::utils::logging::LogLevel saved_ = cv::utils::logging::LOG_LEVEL_WARNING;
};

}  // namespace

cv::dnn::Net load_onnx_net(const std::string& path) {
  register_depthwise_conv_layer();
  try {
    cv::dnn::Net net;
    {
      QuietImporter quiet;
      net = cv::dnn::readNetFromONNX(path);
    }
    if (net.empty()) throw Error("cannot load model " + path + ": no layers");
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return net;
  } catch (const cv::Exception& e) {
    throw Error("cannot load model " + path + ": " + e.msg);
  }
}

namespace {

// Field numbers of onnx.proto: ModelProto.graph = 7; GraphProto.initializer
// = 5, .input = 11; TensorProto.name = 8; ValueInfoProto.name = 1, .type = 2;
// TypeProto.tensor_type = 1; TypeProto.Tensor.shape = 2;
// TensorShapeProto.dim = 1; Dimension.dim_value = 1, .dim_param = 2.
struct GraphInput {
  std::string name;
  std::vector<std::int64_t> shape;
};

std::string tensor_name(ProtobufWire tensor) {
  std::uint64_t field;
  int type;
  while (!tensor.done()) {
    tensor.key(field, type);
    if (field == 8 && type == ProtobufWire::kLengthDelimited) return tensor.string();
    tensor.skip(type);
  }
  return {};
}

std::int64_t dimension(ProtobufWire dim) {
  std::uint64_t field;
  int type;
  std::int64_t value = -1;
  while (!dim.done()) {
    dim.key(field, type);
    if (field == 1 && type == ProtobufWire::kVarint)
      value = static_cast<std::int64_t>(dim.varint());
    else
      dim.skip(type);
  }
  return value > 0 ? value : -1;
}

// Descends through nested single fields (e.g. type -> tensor_type -> shape).
ProtobufWire find_field(ProtobufWire wire, std::uint64_t wanted, bool& found) {
  std::uint64_t field;
  int type;
  while (!wire.done()) {
    wire.key(field, type);
    if (field == wanted && type == ProtobufWire::kLengthDelimited) {
      found = true;
      return wire.sub();
    }
    wire.skip(type);
  }
  found = false;
  return wire;
}

GraphInput graph_input(ProtobufWire value_info) {
  GraphInput input;
  std::uint64_t field;
  int type;
  while (!value_info.done()) {
    value_info.key(field, type);
    if (field == 1 && type == ProtobufWire::kLengthDelimited) {
      input.name = value_info.string();
    } else if (field == 2 && type == ProtobufWire::kLengthDelimited) {
      bool found = false;
      ProtobufWire shape = find_field(value_info.sub(), 1, found);  // tensor_type
      if (found) shape = find_field(shape, 2, found);               // shape
      if (!found) continue;
      std::uint64_t dim_field;
      int dim_type;
      while (!shape.done()) {
        shape.key(dim_field, dim_type);
        if (dim_field == 1 && dim_type == ProtobufWire::kLengthDelimited)
          input.shape.push_back(dimension(shape.sub()));
        else
          shape.skip(dim_type);
      }
    } else {
      value_info.skip(type);
    }
  }
  return input;
}

}  // namespace

std::vector<std::int64_t> onnx_input_shape(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read model " + path);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  bool found = false;
  ProtobufWire graph = find_field(
      ProtobufWire(bytes.data(), bytes.data() + bytes.size(), "ONNX model " + path), 7, found);
  if (!found) graph.fail("no graph");
  std::set<std::string> initializers;
  std::vector<GraphInput> inputs;
  std::uint64_t field;
  int type;
  while (!graph.done()) {
    graph.key(field, type);
    if (field == 5 && type == ProtobufWire::kLengthDelimited)
      initializers.insert(tensor_name(graph.sub()));
    else if (field == 11 && type == ProtobufWire::kLengthDelimited)
      inputs.push_back(graph_input(graph.sub()));
    else
      graph.skip(type);
  }
  for (const GraphInput& input : inputs)
    if (!initializers.count(input.name)) return input.shape;
  graph.fail("the graph has no input");
}

}  // namespace fer
