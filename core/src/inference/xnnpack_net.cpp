// SPDX-License-Identifier: LGPL-2.1-or-later
#include "inference/xnnpack_net.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include <opencv2/core.hpp>
#include <xnnpack.h>

namespace fer {
namespace {

using Dims = std::vector<size_t>;
using Order = std::vector<int>;

constexpr float kInf = std::numeric_limits<float>::infinity();
const Order kNhwc = {0, 2, 3, 1};  // where an NCHW tensor's dims are stored in NHWC

bool xnnpack_usable() {
  static const bool ok = xnn_initialize(nullptr) == xnn_status_success;
  return ok;
}

size_t count(const Dims& dims) {
  size_t n = 1;
  for (size_t d : dims) n *= d;
  return n;
}

Order identity(size_t rank) {
  Order o(rank);
  for (size_t i = 0; i < rank; ++i) o[i] = static_cast<int>(i);
  return o;
}

Dims permuted(const Dims& shape, const Order& order) {
  Dims d;
  for (int k : order) d.push_back(shape[k]);
  return d;
}

// The logical dims holding more than one element, in the order they are stored.
Order significant(const Dims& shape, const Order& order) {
  Order r;
  for (int k : order)
    if (shape[k] != 1) r.push_back(k);
  return r;
}

bool row_major(const Dims& shape, const Order& order) {
  const Order s = significant(shape, order);
  return std::is_sorted(s.begin(), s.end());
}

// For each stored element (in `order`), its index in logical row-major order.
std::vector<size_t> logical_indices(const Dims& shape, const Order& order) {
  const size_t rank = shape.size();
  std::vector<size_t> stride(rank, 1);
  for (size_t i = rank; i-- > 1;) stride[i - 1] = stride[i] * shape[i];
  const Dims dims = permuted(shape, order);
  std::vector<size_t> out(count(shape));
  std::vector<size_t> index(rank, 0);
  for (size_t p = 0; p < out.size(); ++p) {
    size_t l = 0;
    for (size_t k = 0; k < rank; ++k) l += index[k] * stride[order[k]];
    out[p] = l;
    for (size_t k = rank; k-- > 0;) {
      if (++index[k] < dims[k]) break;
      index[k] = 0;
    }
  }
  return out;
}

std::string dims_text(const Dims& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

// A tensor of the ONNX graph as the subgraph holds it: `dims` are the
// subgraph value's, `shape` the ONNX one, and dims[k] == shape[order[k]].
// Transposes only change `order`; NCHW tensors live in NHWC (order kNhwc).
struct Value {
  uint32_t id = XNN_INVALID_VALUE_ID;
  Dims dims, shape;
  Order order;
  // Set for a 2-D [rows, columns] Flatten of data not stored row-major:
  // column_of[p] is the column of a row's p-th stored element. `dims` are
  // then the stored data's; only a Gemm (or MatMul) can read such a value.
  std::vector<size_t> column_of;
};

// One runtime for one batch size, with the buffers it reads and writes.
struct Plan {
  struct Output {
    Dims shape;                        // ONNX shape
    std::vector<float> buffer;         // as XNNPACK writes it
    std::vector<size_t> logical_of;    // empty if stored row-major
    cv::Mat result;                    // what Run() returns: a view of `buffer`
                                       // when row-major, else filled from it
  };
  std::deque<std::vector<float>> weights;  // packed by us; must outlive runtime
  std::vector<std::vector<float>> inputs;
  std::vector<Output> outputs;
  std::vector<xnn_external_value> externals;
  xnn_runtime_t runtime = nullptr;

  Plan() = default;
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  ~Plan() {
    if (runtime) xnn_delete_runtime(runtime);
  }
};

struct SubgraphDeleter {
  void operator()(xnn_subgraph_t s) const { xnn_delete_subgraph(s); }
};

// Builds one Plan from the graph: walks the nodes in order, defining
// subgraph values and nodes.
class GraphMapper {
 public:
  GraphMapper(const OnnxGraph& graph, size_t batch, Plan& plan)
      : graph_(graph), batch_(batch), plan_(plan) {}

  void Build() {
    assign_external_ids();
    xnn_subgraph_t raw = nullptr;
    if (xnn_create_subgraph(next_external_, 0, &raw) != xnn_status_success)
      throw XnnpackRejected("cannot create an XNNPACK subgraph");
    subgraph_.reset(raw);
    define_inputs();
    for (const OnnxNode& node : graph_.nodes) {
      node_ = &node;
      map_node(node);
    }
    node_ = nullptr;
    bind_outputs();
    if (xnn_create_runtime_v2(subgraph_.get(), nullptr, 0, &plan_.runtime) != xnn_status_success)
      throw XnnpackRejected("XNNPACK refused to plan the graph");
    if (xnn_setup_runtime(plan_.runtime, plan_.externals.size(), plan_.externals.data()) !=
        xnn_status_success)
      throw XnnpackRejected("XNNPACK refused the graph's buffers");
  }

 private:
  [[noreturn]] void unmappable(const std::string& why) const {
    throw XnnpackUnmappable(node_ ? node_->describe() + ": " + why : why);
  }

  void check(xnn_status status, const char* what) const {
    if (status != xnn_status_success)
      unmappable(std::string("XNNPACK rejected the ") + what + " (status " +
                 std::to_string(static_cast<int>(status)) + ")");
  }

  // ---- values ----------------------------------------------------------------

  uint32_t define(const Dims& dims, const float* data = nullptr,
                  uint32_t external_id = XNN_INVALID_VALUE_ID, uint32_t flags = 0) {
    uint32_t id = XNN_INVALID_VALUE_ID;
    check(xnn_define_tensor_value(subgraph_.get(), xnn_datatype_fp32, dims.size(), dims.data(),
                                  data, external_id, flags, &id),
          "tensor");
    return id;
  }

  const float* keep(std::vector<float> data) {
    plan_.weights.push_back(std::move(data));
    return plan_.weights.back().data();
  }

  // The output of the current node called `name`: an external output when
  // the caller reads it, else internal.
  Value& define_output(const std::string& name, const Dims& shape, const Order& order) {
    Value v;
    v.shape = shape;
    v.order = order;
    v.dims = permuted(shape, order);
    auto ext = exported_.find(name);
    if (ext != exported_.end()) {
      v.id = define(v.dims, nullptr, ext->second, XNN_VALUE_FLAG_EXTERNAL_OUTPUT);
      written_externally_.insert(name);
    } else {
      v.id = define(v.dims);
    }
    return values_[name] = v;
  }

  const Value& value(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) {
      if (graph_.constant(name)) unmappable("constant " + name + " where data is expected");
      unmappable("tensor " + name + " is not computed by an earlier node");
    }
    static const std::set<std::string> flatten_readers = {"Gemm", "MatMul", "Reshape", "Flatten",
                                                          "Identity", "Dropout"};
    if (!it->second.column_of.empty() && !flatten_readers.count(node_->op_type))
      unmappable("reads a Flatten of data not stored row-major (only Gemm can)");
    return it->second;
  }

  const OnnxTensor& constant(const std::string& name, const char* what) const {
    const OnnxTensor* t = graph_.constant(name);
    if (!t) unmappable(std::string(what) + " " + name + " is not a constant");
    return *t;
  }

  const OnnxTensor& float_constant(const std::string& name, const char* what) const {
    const OnnxTensor& t = constant(name, what);
    if (!t.is_float) unmappable(std::string(what) + " " + name + " is not float");
    return t;
  }

  std::vector<int64_t> int_constant(const std::string& name, const char* what) const {
    const OnnxTensor& t = constant(name, what);
    if (t.is_float) unmappable(std::string(what) + " " + name + " is not integer");
    return t.ints;
  }

  bool has_input(size_t i) const {
    return node_->inputs.size() > i && !node_->inputs[i].empty();
  }

  // An NCHW value as XNNPACK's NHWC operators read it; copies only when
  // its single-element dims sit elsewhere.
  uint32_t nhwc_input(const Value& v) {
    if (v.shape.size() != 4 || significant(v.shape, v.order) != significant(v.shape, kNhwc))
      unmappable("input " + dims_text(v.shape) + " is not an NCHW tensor stored as NHWC");
    const Dims nhwc = permuted(v.shape, kNhwc);
    if (v.dims == nhwc) return v.id;
    const uint32_t out = define(nhwc);
    check(xnn_define_static_reshape(subgraph_.get(), nhwc.size(), nhwc.data(), v.id, out, 0),
          "reshape");
    return out;
  }

  // ---- graph interface -------------------------------------------------------

  // Inputs first, then one id per exported tensor: each graph output, or
  // for a Concat output the pieces, which XNNPACK writes straight into
  // their slice of the output buffer (this XNNPACK has no Concat).
  void assign_external_ids() {
    next_external_ = static_cast<uint32_t>(graph_.inputs.size());
    std::map<std::string, const OnnxNode*> producer;
    for (const OnnxNode& node : graph_.nodes)
      for (const std::string& out : node.outputs) producer[out] = &node;
    for (const OnnxValueInfo& out : graph_.outputs) {
      auto p = producer.find(out.name);
      if (p != producer.end() && p->second->op_type == "Concat" && p->second->domain.empty()) {
        for (const std::string& piece : p->second->inputs) exported_[piece] = next_external_++;
        concat_outputs_.insert(out.name);
      } else {
        exported_[out.name] = next_external_++;
      }
    }
  }

  void define_inputs() {
    plan_.inputs.resize(graph_.inputs.size());
    for (size_t i = 0; i < graph_.inputs.size(); ++i) {
      const OnnxValueInfo& in = graph_.inputs[i];
      Value v;
      for (size_t d = 0; d < in.shape.size(); ++d) {
        if (in.shape[d] > 0) v.shape.push_back(static_cast<size_t>(in.shape[d]));
        else if (d == 0) v.shape.push_back(batch_);
        else unmappable("input " + in.name + " has a symbolic dimension other than the batch");
      }
      if (v.shape.empty()) unmappable("input " + in.name + " has no declared shape");
      v.order = identity(v.shape.size());
      v.dims = v.shape;
      v.id = define(v.dims, nullptr, static_cast<uint32_t>(i), XNN_VALUE_FLAG_EXTERNAL_INPUT);
      values_[in.name] = v;
      plan_.inputs[i].assign(count(v.dims), 0.0f);
      plan_.externals.push_back({static_cast<uint32_t>(i), plan_.inputs[i].data()});
    }
  }

  void bind_outputs() {
    plan_.outputs.resize(graph_.outputs.size());
    for (size_t o = 0; o < graph_.outputs.size(); ++o) {
      const std::string& name = graph_.outputs[o].name;
      Plan::Output& out = plan_.outputs[o];
      if (concat_outputs_.count(name)) {
        const Concat& c = concats_.at(name);
        out.shape = c.shape;
        out.buffer.assign(count(c.shape), 0.0f);
        size_t offset = 0;
        for (const std::string& piece : c.pieces) {
          const Value& v = exported_value(piece);
          plan_.externals.push_back({exported_.at(piece), out.buffer.data() + offset});
          offset += count(v.dims);
        }
        continue;
      }
      const Value& v = exported_value(name);
      out.shape = v.shape;
      out.buffer.assign(count(v.dims), 0.0f);
      if (!row_major(v.shape, v.order)) out.logical_of = logical_indices(v.shape, v.order);
      plan_.externals.push_back({exported_.at(name), out.buffer.data()});
    }
    for (Plan::Output& out : plan_.outputs) {
      std::vector<int> sizes(out.shape.begin(), out.shape.end());
      if (sizes.size() < 2) sizes.insert(sizes.begin(), 2 - sizes.size(), 1);
      out.result = out.logical_of.empty()
          ? cv::Mat(static_cast<int>(sizes.size()), sizes.data(), CV_32F, out.buffer.data())
          : cv::Mat(static_cast<int>(sizes.size()), sizes.data(), CV_32F);
    }
  }

  // A tensor the caller reads, copied into its external value when the node
  // that made it wrote elsewhere (a Transpose or Identity only relabels).
  const Value& exported_value(const std::string& name) {
    auto it = values_.find(name);
    if (it == values_.end()) unmappable("graph output " + name + " is not computed by a node");
    Value& v = it->second;
    if (!v.column_of.empty()) unmappable("graph output " + name + " is a Flatten of permuted data");
    if (!written_externally_.count(name)) {
      const uint32_t out = define(v.dims, nullptr, exported_.at(name), XNN_VALUE_FLAG_EXTERNAL_OUTPUT);
      check(xnn_define_static_reshape(subgraph_.get(), v.dims.size(), v.dims.data(), v.id, out, 0),
            "output copy");
      v.id = out;
      written_externally_.insert(name);
    }
    return v;
  }

  // ---- operators -------------------------------------------------------------

  void map_node(const OnnxNode& n) {
    using Mapper = void (GraphMapper::*)(const OnnxNode&);
    static const std::map<std::string, Mapper> mappers = {
        {"Conv", &GraphMapper::conv},
        {"gst_fer.DepthwiseConv2D", &GraphMapper::conv},
        {"Relu", &GraphMapper::unary},
        {"LeakyRelu", &GraphMapper::unary},
        {"Sigmoid", &GraphMapper::unary},
        {"Clip", &GraphMapper::unary},
        {"PRelu", &GraphMapper::prelu},
        {"Add", &GraphMapper::binary},
        {"Sub", &GraphMapper::binary},
        {"Mul", &GraphMapper::binary},
        {"Div", &GraphMapper::binary},
        {"MaxPool", &GraphMapper::pool},
        {"AveragePool", &GraphMapper::pool},
        {"GlobalAveragePool", &GraphMapper::global_average_pool},
        {"Pad", &GraphMapper::pad},
        {"Resize", &GraphMapper::resize},
        {"Transpose", &GraphMapper::transpose},
        {"Reshape", &GraphMapper::reshape},
        {"Flatten", &GraphMapper::reshape},
        {"Gemm", &GraphMapper::gemm},
        {"MatMul", &GraphMapper::gemm},
        {"Softmax", &GraphMapper::softmax},
        {"Concat", &GraphMapper::concat},
        {"Identity", &GraphMapper::identity_op},
        {"Dropout", &GraphMapper::identity_op},
        {"Constant", &GraphMapper::constant_op},
    };
    const std::string key = n.domain.empty() ? n.op_type : n.domain + "." + n.op_type;
    auto it = mappers.find(key);
    if (it == mappers.end()) unmappable("operator not supported by the XNNPACK engine");
    if (n.outputs.empty()) unmappable("node without outputs");
    (this->*(it->second))(n);
  }

  void constant_op(const OnnxNode& n) {
    if (!graph_.constant(n.outputs[0])) unmappable("Constant without a tensor value");
  }

  void identity_op(const OnnxNode& n) {
    if (n.outputs.size() > 1 && !n.outputs[1].empty()) unmappable("Dropout mask output");
    values_[n.outputs[0]] = value(n.inputs.at(0));
  }

  struct Window {
    uint32_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
    uint32_t top = 0, left = 0, bottom = 0, right = 0;
    size_t out_h = 0, out_w = 0;
  };

  // Kernel, strides, dilations and pads of a Conv or pooling node over an
  // h x w input.
  Window window(const OnnxNode& n, size_t kh, size_t kw, size_t h, size_t w) {
    Window g;
    g.kh = static_cast<uint32_t>(kh);
    g.kw = static_cast<uint32_t>(kw);
    auto pair = [&](const char* attr, uint32_t& a, uint32_t& b) {
      const auto v = n.attr_ints(attr);
      if (v.empty()) return;
      if (v.size() != 2 || v[0] < 1 || v[1] < 1) unmappable(std::string(attr) + " is not two positive numbers");
      a = static_cast<uint32_t>(v[0]);
      b = static_cast<uint32_t>(v[1]);
    };
    pair("strides", g.sh, g.sw);
    pair("dilations", g.dh, g.dw);
    if (n.attr_int("ceil_mode", 0) != 0) unmappable("ceil_mode");
    const std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
    if (auto_pad == "NOTSET") {
      const auto pads = n.attr_ints("pads");
      if (!pads.empty()) {
        if (pads.size() != 4 || *std::min_element(pads.begin(), pads.end()) < 0)
          unmappable("pads are not four non-negative numbers");
        g.top = static_cast<uint32_t>(pads[0]);
        g.left = static_cast<uint32_t>(pads[1]);
        g.bottom = static_cast<uint32_t>(pads[2]);
        g.right = static_cast<uint32_t>(pads[3]);
      }
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      auto same = [&](size_t in, uint32_t k, uint32_t s, uint32_t d, uint32_t& begin, uint32_t& end) {
        const size_t out = (in + s - 1) / s;
        const long need = long((out - 1) * s + (k - 1) * d + 1) - long(in);
        const uint32_t total = static_cast<uint32_t>(std::max(need, 0L));
        begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
        end = total - begin;
      };
      same(h, g.kh, g.sh, g.dh, g.top, g.bottom);
      same(w, g.kw, g.sw, g.dw, g.left, g.right);
    } else if (auto_pad != "VALID") {
      unmappable("auto_pad " + auto_pad);
    }
    const long eh = long(h + g.top + g.bottom) - long((g.kh - 1) * g.dh + 1);
    const long ew = long(w + g.left + g.right) - long((g.kw - 1) * g.dw + 1);
    if (eh < 0 || ew < 0) unmappable("window larger than its padded input");
    g.out_h = static_cast<size_t>(eh) / g.sh + 1;
    g.out_w = static_cast<size_t>(ew) / g.sw + 1;
    return g;
  }

  void conv(const OnnxNode& n) {
    const Value& x = value(n.inputs.at(0));
    const uint32_t in = nhwc_input(x);
    const size_t batch = x.shape[0], channels = x.shape[1], h = x.shape[2], w = x.shape[3];
    const OnnxTensor& weights = float_constant(n.inputs.at(1), "weights");
    if (weights.dims.size() != 4) unmappable("weights are not 4-D");
    const size_t out_c = weights.dims[0], group_in = weights.dims[1];
    const size_t kh = weights.dims[2], kw = weights.dims[3];
    const bool custom_depthwise = n.domain == "gst_fer";
    const size_t groups = custom_depthwise ? channels : static_cast<size_t>(n.attr_int("group", 1));
    if (groups == 0 || group_in * groups != channels || out_c % groups != 0)
      unmappable("weights " + dims_text({out_c, group_in, kh, kw}) + " do not fit " +
                 std::to_string(channels) + " input channels in " + std::to_string(groups) + " groups");
    const auto kernel = n.attr_ints("kernel_shape");
    if (!kernel.empty() && (kernel.size() != 2 || size_t(kernel[0]) != kh || size_t(kernel[1]) != kw))
      unmappable("kernel_shape differs from the weights");
    const Window g = window(n, kh, kw, h, w);

    std::vector<float> bias(out_c, 0.0f);  // always given: XNNPACK is faster with one
    if (has_input(2)) {
      const OnnxTensor& b = float_constant(n.inputs[2], "bias");
      if (b.count() != out_c) unmappable("bias has " + std::to_string(b.count()) + " values");
      bias = b.floats;
    }
    const float* src = weights.floats.data();
    std::vector<float> filter(weights.count());
    const bool depthwise = groups == channels && groups > 1;
    if (depthwise) {
      // [1, kh, kw, out_c]: output channel o reads input channel o / multiplier.
      for (size_t o = 0; o < out_c; ++o)
        for (size_t t = 0; t < kh * kw; ++t) filter[t * out_c + o] = src[o * kh * kw + t];
    } else {
      // [out_c, kh, kw, group_in] from ONNX's [out_c, group_in, kh, kw].
      for (size_t o = 0; o < out_c; ++o)
        for (size_t i = 0; i < group_in; ++i)
          for (size_t t = 0; t < kh * kw; ++t)
            filter[(o * kh * kw + t) * group_in + i] = src[(o * group_in + i) * kh * kw + t];
    }
    const uint32_t filter_id = define(depthwise ? Dims{1, kh, kw, out_c} : Dims{out_c, kh, kw, group_in},
                                      keep(std::move(filter)));
    const uint32_t bias_id = define({out_c}, keep(std::move(bias)));
    const Value& y = define_output(n.outputs[0], {batch, out_c, g.out_h, g.out_w}, kNhwc);
    if (depthwise)
      check(xnn_define_depthwise_convolution_2d(
                subgraph_.get(), g.top, g.right, g.bottom, g.left, g.kh, g.kw, g.sh, g.sw, g.dh,
                g.dw, static_cast<uint32_t>(out_c / channels), channels, -kInf, kInf, in,
                filter_id, bias_id, y.id, 0),
            "depthwise convolution");
    else
      check(xnn_define_convolution_2d(subgraph_.get(), g.top, g.right, g.bottom, g.left, g.kh,
                                      g.kw, g.sh, g.sw, g.dh, g.dw,
                                      static_cast<uint32_t>(groups), group_in, out_c / groups,
                                      -kInf, kInf, in, filter_id, bias_id, y.id, 0),
            "convolution");
  }

  void pool(const OnnxNode& n) {
    if (n.outputs.size() > 1) unmappable("MaxPool indices output");
    const Value& x = value(n.inputs.at(0));
    const uint32_t in = nhwc_input(x);
    const auto kernel = n.attr_ints("kernel_shape");
    if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1) unmappable("kernel_shape is not 2-D");
    if (n.attr_int("storage_order", 0) != 0) unmappable("storage_order");
    const Window g = window(n, size_t(kernel[0]), size_t(kernel[1]), x.shape[2], x.shape[3]);
    const Value& y = define_output(n.outputs[0], {x.shape[0], x.shape[1], g.out_h, g.out_w}, kNhwc);
    if (n.op_type == "MaxPool") {
      check(xnn_define_max_pooling_2d(subgraph_.get(), g.top, g.right, g.bottom, g.left, g.kh,
                                      g.kw, g.sh, g.sw, g.dh, g.dw, -kInf, kInf, in, y.id, 0),
            "max pooling");
    } else {
      // XNNPACK averages over the window's pixels inside the input.
      if (g.dh != 1 || g.dw != 1) unmappable("dilated average pooling");
      if (n.attr_int("count_include_pad", 0) != 0 && (g.top || g.left || g.bottom || g.right))
        unmappable("count_include_pad with padding");
      check(xnn_define_average_pooling_2d(subgraph_.get(), g.top, g.right, g.bottom, g.left,
                                          g.kh, g.kw, g.sh, g.sw, -kInf, kInf, in, y.id, 0),
            "average pooling");
    }
  }

  void global_average_pool(const OnnxNode& n) {
    const Value& x = value(n.inputs.at(0));
    const uint32_t in = nhwc_input(x);
    const Value& y = define_output(n.outputs[0], {x.shape[0], x.shape[1], 1, 1}, kNhwc);
    check(xnn_define_global_average_pooling_2d(subgraph_.get(), -kInf, kInf, in, y.id, 0),
          "global average pooling");
  }

  void unary(const OnnxNode& n) {
    const Value& x = value(n.inputs.at(0));
    const Value& y = define_output(n.outputs[0], x.shape, x.order);
    if (n.op_type == "Relu") {
      check(xnn_define_clamp(subgraph_.get(), 0.0f, kInf, x.id, y.id, 0), "clamp");
    } else if (n.op_type == "LeakyRelu") {
      check(xnn_define_leaky_relu(subgraph_.get(), n.attr_float("alpha", 0.01f), x.id, y.id, 0),
            "leaky ReLU");
    } else if (n.op_type == "Sigmoid") {
      check(xnn_define_sigmoid(subgraph_.get(), x.id, y.id, 0), "sigmoid");
    } else {  // Clip: attributes before opset 11, optional constant inputs after
      float lo = n.attr_float("min", -kInf), hi = n.attr_float("max", kInf);
      auto bound = [&](size_t i, float& v) {
        if (!has_input(i)) return;
        const OnnxTensor& t = float_constant(n.inputs[i], "Clip bound");
        if (t.count() != 1) unmappable("Clip bound is not a scalar");
        v = t.floats[0];
      };
      bound(1, lo);
      bound(2, hi);
      check(xnn_define_clamp(subgraph_.get(), lo, hi, x.id, y.id, 0), "clamp");
    }
  }

  void prelu(const OnnxNode& n) {
    const Value& x = value(n.inputs.at(0));
    const uint32_t in = nhwc_input(x);
    const size_t channels = x.shape[1];
    const OnnxTensor& s = float_constant(n.inputs.at(1), "slope");
    if (s.count() != channels && s.count() != 1)
      unmappable("slope is not one value per channel");
    std::vector<float> slope = s.count() == channels ? s.floats : std::vector<float>(channels, s.floats[0]);
    const uint32_t slope_id = define({channels}, keep(std::move(slope)));
    const Value& y = define_output(n.outputs[0], x.shape, kNhwc);
    check(xnn_define_prelu(subgraph_.get(), in, slope_id, y.id, 0), "PReLU");
  }

  // A constant operand of an elementwise node, laid out as `like` stores
  // its data (numpy broadcasting, right-aligned).
  uint32_t constant_like(const OnnxTensor& c, const Value& like) {
    const size_t rank = like.shape.size();
    if (c.dims.size() > rank) unmappable("constant of higher rank than the tensor");
    Dims shape(rank - c.dims.size(), 1);
    for (int64_t d : c.dims) shape.push_back(static_cast<size_t>(d));
    for (size_t i = 0; i < rank; ++i)
      if (shape[i] != 1 && shape[i] != like.shape[i]) unmappable("constant does not broadcast");
    // Copied, as every constant: the graph may be gone while the runtime lives.
  if (c.count() == 1) return define({1}, keep({c.floats[0]}));
    const std::vector<size_t> from = logical_indices(shape, like.order);
    std::vector<float> data(from.size());
    for (size_t p = 0; p < from.size(); ++p) data[p] = c.floats[from[p]];
    return define(permuted(shape, like.order), keep(std::move(data)));
  }

  void binary(const OnnxNode& n) {
    const OnnxTensor* ca = graph_.constant(n.inputs.at(0));
    const OnnxTensor* cb = graph_.constant(n.inputs.at(1));
    if (ca && cb) unmappable("both operands are constants");
    if ((ca && !ca->is_float) || (cb && !cb->is_float)) unmappable("integer operand");
    uint32_t a, b;
    Value like;
    if (ca || cb) {
      like = value(n.inputs.at(ca ? 1 : 0));
      const uint32_t c = constant_like(ca ? *ca : *cb, like);
      a = ca ? c : like.id;
      b = ca ? like.id : c;
    } else {
      const Value& va = value(n.inputs[0]);
      const Value& vb = value(n.inputs[1]);
      // Same layout, or both plain row-major (XNNPACK broadcasts its dims).
      const bool same = va.shape == vb.shape && va.dims == vb.dims;
      const bool plain = va.order == identity(va.shape.size()) && vb.order == identity(vb.shape.size());
      if (!same && !plain) unmappable("operands stored in different layouts");
      like = va;
      if (!same) {
        // numpy broadcasting, right-aligned
        const size_t rank = std::max(va.shape.size(), vb.shape.size());
        auto dim = [rank](const Dims& s, size_t i) {
          return i + s.size() >= rank ? s[i + s.size() - rank] : size_t{1};
        };
        like.shape.assign(rank, 1);
        for (size_t i = 0; i < rank; ++i) {
          const size_t da = dim(va.shape, i), db = dim(vb.shape, i);
          if (da != db && da != 1 && db != 1) unmappable("operands do not broadcast");
          like.shape[i] = std::max(da, db);
        }
        like.order = identity(rank);
      }
      a = va.id;
      b = vb.id;
    }
    const Value& y = define_output(n.outputs[0], like.shape, like.order);
    const std::string& op = n.op_type;
    if (op == "Add") check(xnn_define_add2(subgraph_.get(), -kInf, kInf, a, b, y.id, 0), "add");
    else if (op == "Sub") check(xnn_define_subtract(subgraph_.get(), -kInf, kInf, a, b, y.id, 0), "subtract");
    else if (op == "Mul") check(xnn_define_multiply2(subgraph_.get(), -kInf, kInf, a, b, y.id, 0), "multiply");
    else check(xnn_define_divide(subgraph_.get(), -kInf, kInf, a, b, y.id, 0), "divide");
  }

  void pad(const OnnxNode& n) {
    const Value& x = value(n.inputs.at(0));
    if (n.attr_string("mode", "constant") != "constant") unmappable("only constant padding");
    std::vector<int64_t> pads = has_input(1) ? int_constant(n.inputs[1], "pads") : n.attr_ints("pads");
    float fill = n.attr_float("value", 0.0f);
    if (has_input(2)) {
      const OnnxTensor& v = float_constant(n.inputs[2], "pad value");
      if (v.count() != 1) unmappable("pad value is not a scalar");
      fill = v.floats[0];
    }
    const size_t rank = x.shape.size();
    if (pads.size() != 2 * rank) unmappable("pads do not match the rank");
    if (*std::min_element(pads.begin(), pads.end()) < 0) unmappable("negative pads (cropping)");
    Dims shape = x.shape, pre(rank), post(rank);
    for (size_t i = 0; i < rank; ++i) shape[i] += size_t(pads[i] + pads[rank + i]);
    for (size_t k = 0; k < rank; ++k) {
      pre[k] = size_t(pads[x.order[k]]);
      post[k] = size_t(pads[rank + x.order[k]]);
    }
    const Value& y = define_output(n.outputs[0], shape, x.order);
    check(xnn_define_static_constant_pad(subgraph_.get(), pre.data(), post.data(), fill, x.id,
                                         y.id, 0),
          "pad");
  }

  void resize(const OnnxNode& n) {
    const Value& x = value(n.inputs.at(0));
    const uint32_t in = nhwc_input(x);
    if (n.attr_string("mode", "nearest") != "linear") unmappable("only linear (bilinear) resizing");
    const std::string mode = n.attr_string("coordinate_transformation_mode", "half_pixel");
    uint32_t flags = 0;
    if (mode == "align_corners") flags = XNN_FLAG_ALIGN_CORNERS;
    else if (mode == "asymmetric") flags = XNN_FLAG_TENSORFLOW_LEGACY_MODE;
    else if (mode != "half_pixel") unmappable("coordinate_transformation_mode " + mode);
    size_t out_h = 0, out_w = 0;
    const size_t scales_at = graph_.opset >= 11 ? 2 : 1;
    if (has_input(scales_at + 1)) {
      const auto sizes = int_constant(n.inputs[scales_at + 1], "sizes");
      if (sizes.size() != 4 || size_t(sizes[0]) != x.shape[0] || size_t(sizes[1]) != x.shape[1])
        unmappable("sizes resize more than height and width");
      out_h = size_t(sizes[2]);
      out_w = size_t(sizes[3]);
    } else if (has_input(scales_at)) {
      const OnnxTensor& s = float_constant(n.inputs[scales_at], "scales");
      if (s.count() != 4 || s.floats[0] != 1.0f || s.floats[1] != 1.0f)
        unmappable("scales resize more than height and width");
      out_h = size_t(double(x.shape[2]) * s.floats[2]);
      out_w = size_t(double(x.shape[3]) * s.floats[3]);
    }
    if (out_h == 0 || out_w == 0) unmappable("no output size");
    const Value& y = define_output(n.outputs[0], {x.shape[0], x.shape[1], out_h, out_w}, kNhwc);
    check(xnn_define_static_resize_bilinear_2d(subgraph_.get(), out_h, out_w, in, y.id, flags),
          "bilinear resize");
  }

  void transpose(const OnnxNode& n) {
    const Value& x = value(n.inputs.at(0));
    const size_t rank = x.shape.size();
    std::vector<int64_t> perm = n.attr_ints("perm");
    if (perm.empty())
      for (size_t i = rank; i-- > 0;) perm.push_back(int64_t(i));
    if (perm.size() != rank) unmappable("perm does not match the rank");
    Order inverse(rank, -1);
    for (size_t i = 0; i < rank; ++i) {
      if (perm[i] < 0 || size_t(perm[i]) >= rank || inverse[perm[i]] >= 0) unmappable("perm is not a permutation");
      inverse[perm[i]] = static_cast<int>(i);
    }
    // The data stays; only the labels of its dims change.
    Value y = x;
    for (size_t i = 0; i < rank; ++i) y.shape[i] = x.shape[perm[i]];
    for (size_t k = 0; k < rank; ++k) y.order[k] = inverse[x.order[k]];
    values_[n.outputs[0]] = y;
  }

  void reshape(const OnnxNode& n) {
    const Value& x = value(n.inputs.at(0));
    const size_t total = count(x.shape);
    Dims shape;
    if (n.op_type == "Flatten") {
      int64_t axis = n.attr_int("axis", 1);
      if (axis < 0) axis += int64_t(x.shape.size());
      if (axis < 0 || axis > int64_t(x.shape.size())) unmappable("axis out of range");
      size_t rows = 1;
      for (int64_t i = 0; i < axis; ++i) rows *= x.shape[i];
      shape = {rows, total / rows};
    } else {
      const auto target = int_constant(n.inputs.at(1), "shape");
      if (n.attr_int("allowzero", 0) != 0) unmappable("allowzero");
      size_t known = 1;
      int infer = -1;
      for (size_t i = 0; i < target.size(); ++i) {
        if (target[i] == -1) {
          if (infer >= 0) unmappable("two inferred dimensions");
          infer = static_cast<int>(i);
          shape.push_back(1);
          continue;
        }
        if (target[i] < -1) unmappable("negative dimension");
        const size_t d = target[i] == 0 ? (i < x.shape.size() ? x.shape[i] : 0) : size_t(target[i]);
        shape.push_back(d);
        known *= d;
      }
      if (infer >= 0 && known) shape[infer] = total / known;
      if (count(shape) != total) unmappable("shape " + dims_text(shape) + " does not hold " + dims_text(x.shape));
    }
    if (!x.column_of.empty()) {  // a Flatten's result relabelled with its own shape
      if (shape != x.shape) unmappable("reshapes a Flatten of permuted data");
      values_[n.outputs[0]] = x;
      return;
    }
    if (!row_major(x.shape, x.order)) {
      // Rows of a batch, columns in storage order: a following Gemm permutes
      // its weights instead of the data being transposed.
      if (shape.size() != 2 || shape[0] != x.shape[0] || x.order[0] != 0)
        unmappable("reshapes data stored in another order (e.g. NCHW data kept as NHWC)");
      Dims sample = x.shape;
      sample[0] = 1;
      Value y = x;
      y.shape = shape;
      y.order = identity(2);
      y.column_of = logical_indices(sample, x.order);
      values_[n.outputs[0]] = y;
      return;
    }
    const Value& y = define_output(n.outputs[0], shape, identity(shape.size()));
    check(xnn_define_static_reshape(subgraph_.get(), y.dims.size(), y.dims.data(), x.id, y.id, 0),
          "reshape");
  }

  void gemm(const OnnxNode& n) {
    const Value& a = value(n.inputs.at(0));
    const bool matmul = n.op_type == "MatMul";
    if (a.shape.size() != 2) unmappable("first operand is not 2-D");
    if (a.column_of.empty() && !row_major(a.shape, a.order)) unmappable("first operand is stored transposed");
    if (!matmul && n.attr_int("transA", 0) != 0) unmappable("transA");
    const OnnxTensor& b = float_constant(n.inputs.at(1), "weights");
    if (b.dims.size() != 2) unmappable("weights are not 2-D");
    const bool trans_b = !matmul && n.attr_int("transB", 0) != 0;
    const size_t rows = a.shape[0], k = a.shape[1];
    const size_t out = size_t(trans_b ? b.dims[0] : b.dims[1]);
    if (size_t(trans_b ? b.dims[1] : b.dims[0]) != k) unmappable("weights do not match the input");
    const float alpha = matmul ? 1.0f : n.attr_float("alpha", 1.0f);
    const float beta = matmul ? 1.0f : n.attr_float("beta", 1.0f);
    // [out, k], columns in the order the input is stored.
    std::vector<float> filter(out * k);
    for (size_t o = 0; o < out; ++o)
      for (size_t p = 0; p < k; ++p) {
        const size_t c = a.column_of.empty() ? p : a.column_of[p];
        filter[o * k + p] = alpha * (trans_b ? b.floats[o * k + c] : b.floats[c * out + o]);
      }
    std::vector<float> bias(out, 0.0f);
    if (!matmul && has_input(2)) {
      const OnnxTensor& c = float_constant(n.inputs[2], "bias");
      if (c.count() != out && c.count() != 1) unmappable("bias is not one value per output");
      for (size_t o = 0; o < out; ++o) bias[o] = beta * c.floats[c.count() == 1 ? 0 : o];
    }
    const uint32_t filter_id = define({out, k}, keep(std::move(filter)));
    const uint32_t bias_id = define({out}, keep(std::move(bias)));
    const Value& y = define_output(n.outputs[0], {rows, out}, identity(2));
    check(xnn_define_fully_connected(subgraph_.get(), -kInf, kInf, a.id, filter_id, bias_id, y.id,
                                     XNN_FLAG_TENSORFLOW_RESHAPE_2D),
          "fully connected layer");
  }

  void softmax(const OnnxNode& n) {
    const Value& x = value(n.inputs.at(0));
    const int64_t rank = int64_t(x.shape.size());
    int64_t axis = n.attr_int("axis", graph_.opset >= 13 ? -1 : 1);
    if (axis < 0) axis += rank;
    // Before opset 13 Softmax flattens from `axis`: the same as over the last
    // dim when axis is the last one.
    if (axis != rank - 1) unmappable("softmax over another dim than the last");
    if (x.dims.back() != x.shape.back()) unmappable("softmax over data stored in another order");
    const Value& y = define_output(n.outputs[0], x.shape, x.order);
    check(xnn_define_softmax(subgraph_.get(), x.id, y.id, 0), "softmax");
  }

  struct Concat {
    Dims shape;
    std::vector<std::string> pieces;
  };

  void concat(const OnnxNode& n) {
    const std::string& out = n.outputs[0];
    if (!concat_outputs_.count(out))
      unmappable("Concat inside the graph (this XNNPACK has none; only a graph output can be assembled)");
    const Value& first = value(n.inputs.at(0));
    int64_t axis = n.attr_int("axis", 0);
    const int64_t rank = int64_t(first.shape.size());
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) unmappable("axis out of range");
    Concat c{first.shape, n.inputs};
    c.shape[axis] = 0;
    for (const std::string& piece : n.inputs) {
      const Value& v = value(piece);
      if (v.shape.size() != first.shape.size() || !row_major(v.shape, v.order))
        unmappable("piece " + piece + " is not stored row-major");
      for (int64_t i = 0; i < rank; ++i) {
        if (i < axis && v.shape[i] != 1) unmappable("pieces are not contiguous slices (batch > 1?)");
        if (i != axis && v.shape[i] != first.shape[i]) unmappable("pieces differ in shape");
      }
      c.shape[axis] += v.shape[axis];
    }
    concats_[out] = c;
  }

  const OnnxGraph& graph_;
  size_t batch_;
  Plan& plan_;
  std::unique_ptr<xnn_subgraph, SubgraphDeleter> subgraph_;
  const OnnxNode* node_ = nullptr;
  std::map<std::string, Value> values_;
  std::map<std::string, uint32_t> exported_;     // tensor -> external id
  std::set<std::string> written_externally_;
  std::set<std::string> concat_outputs_;
  std::map<std::string, Concat> concats_;
  uint32_t next_external_ = 0;
};

class XnnpackNet : public InferenceNet {
 public:
  XnnpackNet(const std::string& path, std::shared_ptr<const OnnxGraph> graph)
      : graph_(std::move(graph)) {
    path_ = path;
    for (const auto& in : graph_->inputs) input_names_.push_back(in.name);
    for (const auto& out : graph_->outputs) output_names_.push_back(out.name);
    batch_free_ = !graph_->inputs[0].shape.empty() && graph_->inputs[0].shape[0] < 0;
    plan(1);
    // Only another batch size would need the graph again (its weights are a
    // full copy of the model): a fixed-batch network lets it go.
    if (!batch_free_) graph_.reset();
  }

  InferenceEngine engine() const override { return InferenceEngine::kXnnpack; }

  std::vector<cv::Mat> Run(const std::vector<cv::Mat>& inputs) override {
    if (inputs.size() != input_names_.size())
      throw Error(path_ + ": " + std::to_string(inputs.size()) + " inputs given, the model takes " +
                  std::to_string(input_names_.size()));
    const size_t batch = batch_free_ && inputs[0].dims > 0 ? size_t(inputs[0].size[0]) : 1;
    Plan& p = plan(batch);
    for (size_t i = 0; i < inputs.size(); ++i) {
      const cv::Mat& in = inputs[i];
      if (in.type() != CV_32F || !in.isContinuous() || in.total() != p.inputs[i].size())
        throw Error(path_ + ": input " + input_names_[i] + " must be " +
                    std::to_string(p.inputs[i].size()) + " continuous floats, got " +
                    std::to_string(in.total()) + (in.type() == CV_32F ? "" : " of another type"));
      std::memcpy(p.inputs[i].data(), in.ptr<float>(), p.inputs[i].size() * sizeof(float));
    }
    if (xnn_invoke_runtime(p.runtime) != xnn_status_success)
      throw Error(path_ + ": XNNPACK failed to run the network");
    std::vector<cv::Mat> outputs;
    for (Plan::Output& o : p.outputs) {
      if (!o.logical_of.empty()) {
        float* dst = o.result.ptr<float>();
        for (size_t q = 0; q < o.buffer.size(); ++q) dst[o.logical_of[q]] = o.buffer[q];
      }
      outputs.push_back(o.result);
    }
    return outputs;
  }

 private:
  // Shapes are static in XNNPACK: one runtime per batch size, made on first use.
  Plan& plan(size_t batch) {
    auto it = plans_.find(batch);
    if (it != plans_.end()) return *it->second;
    if (batch != 1 && !batch_free_)
      throw Error(path_ + ": the model takes a batch of 1, got " + std::to_string(batch));
    auto p = std::make_unique<Plan>();
    GraphMapper(*graph_, batch, *p).Build();
    return *(plans_[batch] = std::move(p));
  }

  std::shared_ptr<const OnnxGraph> graph_;
  bool batch_free_ = false;
  std::map<size_t, std::unique_ptr<Plan>> plans_;
};

}  // namespace

std::unique_ptr<InferenceNet> make_xnnpack_net(const std::string& path,
                                               std::shared_ptr<const OnnxGraph> graph) {
  if (!xnnpack_usable()) throw XnnpackRejected("XNNPACK does not support this CPU");
  return std::make_unique<XnnpackNet>(path, std::move(graph));
}

}  // namespace fer
