// SPDX-License-Identifier: LGPL-2.1-or-later
#include "inference/depthwise_conv_layer.h"

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/dnn/layer.hpp>

namespace fer {
namespace {

constexpr const char* kLayerType = "gst_fer.DepthwiseConv2D";

struct Geometry {
  int kernel_h, kernel_w;
  int stride_h, stride_w;
  int pad_top, pad_left, pad_bottom, pad_right;
};

// 3x3 taps (every MediaPipe depthwise convolution) unrolled, with the taps in
// registers; with a stride of 1 the compiler vectorises along the row.
template <int kStride>
void convolve_3x3(const float* padded, int padded_w, const float* taps, float bias, int stride_h,
                  float* out, int out_h, int out_w) {
  const float t0 = taps[0], t1 = taps[1], t2 = taps[2], t3 = taps[3], t4 = taps[4],
              t5 = taps[5], t6 = taps[6], t7 = taps[7], t8 = taps[8];
  for (int oy = 0; oy < out_h; ++oy) {
    const float* r0 = padded + oy * stride_h * padded_w;
    const float* r1 = r0 + padded_w;
    const float* r2 = r1 + padded_w;
    float* row_out = out + oy * out_w;
    for (int ox = 0; ox < out_w; ++ox) {
      const int x = ox * kStride;
      row_out[ox] = bias + t0 * r0[x] + t1 * r0[x + 1] + t2 * r0[x + 2] + t3 * r1[x] +
                    t4 * r1[x + 1] + t5 * r1[x + 2] + t6 * r2[x] + t7 * r2[x + 1] +
                    t8 * r2[x + 2];
    }
  }
}

// Any kernel size and stride.
void convolve_any(const float* padded, int padded_w, const float* taps, float bias,
                  const Geometry& g, float* out, int out_h, int out_w) {
  for (int oy = 0; oy < out_h; ++oy) {
    float* row_out = out + oy * out_w;
    std::fill(row_out, row_out + out_w, bias);
    for (int u = 0; u < g.kernel_h; ++u) {
      const float* row_in = padded + (oy * g.stride_h + u) * padded_w;
      for (int v = 0; v < g.kernel_w; ++v) {
        const float tap = taps[u * g.kernel_w + v];
        for (int ox = 0; ox < out_w; ++ox) row_out[ox] += tap * row_in[ox * g.stride_w + v];
      }
    }
  }
}

// One channel plane. The input is first copied into a zero-bordered buffer so
// the tap loops have no bounds checks.
void convolve_plane(const float* in, int height, int width, const float* taps, float bias,
                    const Geometry& g, float* out, int out_h, int out_w,
                    std::vector<float>& padded) {
  const int padded_w = width + g.pad_left + g.pad_right;
  const int padded_h = height + g.pad_top + g.pad_bottom;
  padded.assign(static_cast<size_t>(padded_w) * padded_h, 0.0f);
  for (int y = 0; y < height; ++y)
    std::copy(in + y * width, in + (y + 1) * width,
              padded.data() + (y + g.pad_top) * padded_w + g.pad_left);
  const bool is_3x3 = g.kernel_h == 3 && g.kernel_w == 3;
  if (is_3x3 && g.stride_w == 1)
    convolve_3x3<1>(padded.data(), padded_w, taps, bias, g.stride_h, out, out_h, out_w);
  else if (is_3x3 && g.stride_w == 2)
    convolve_3x3<2>(padded.data(), padded_w, taps, bias, g.stride_h, out, out_h, out_w);
  else
    convolve_any(padded.data(), padded_w, taps, bias, g, out, out_h, out_w);
}

int output_size(int in, int kernel, int stride, int pad_begin, int pad_end) {
  return (in + pad_begin + pad_end - kernel) / stride + 1;
}

class DepthwiseConvLayer final : public cv::dnn::Layer {
 public:
  explicit DepthwiseConvLayer(const cv::dnn::LayerParams& params) {
    setParamsFrom(params);
    if (blobs.empty() || blobs.size() > 2)
      fail("expects weights and an optional bias, got " + std::to_string(blobs.size()) +
           " constant inputs");
    const cv::Mat& w = blobs[0];
    if (w.dims != 4 || w.size[1] != 1 || w.type() != CV_32F)
      fail("weights must be float [C, 1, kh, kw]");
    channels_ = w.size[0];
    geometry_.kernel_h = w.size[2];
    geometry_.kernel_w = w.size[3];
    if (blobs.size() == 2 && (blobs[1].total() != static_cast<size_t>(channels_) ||
                              blobs[1].type() != CV_32F))
      fail("bias must hold " + std::to_string(channels_) + " floats");
    const std::vector<int> pads = int_list(params, "pad", {0, 0, 0, 0});
    const std::vector<int> strides = int_list(params, "stride", {1, 1});
    if (pads.size() != 4 || strides.size() != 2)
      fail("needs 4 pads and 2 strides");
    geometry_.pad_top = pads[0];
    geometry_.pad_left = pads[1];
    geometry_.pad_bottom = pads[2];
    geometry_.pad_right = pads[3];
    geometry_.stride_h = strides[0];
    geometry_.stride_w = strides[1];
    if (*std::min_element(pads.begin(), pads.end()) < 0 || strides[0] < 1 || strides[1] < 1)
      fail("pads must be >= 0 and strides >= 1");
  }

  static cv::Ptr<cv::dnn::Layer> create(cv::dnn::LayerParams& params) {
    return cv::makePtr<DepthwiseConvLayer>(params);
  }

  bool getMemoryShapes(const std::vector<cv::dnn::MatShape>& inputs, const int,
                       std::vector<cv::dnn::MatShape>& outputs,
                       std::vector<cv::dnn::MatShape>&) const override {
    if (inputs.size() != 1 || inputs[0].size() != 4 || inputs[0][1] != channels_)
      fail("input must be [N, " + std::to_string(channels_) + ", H, W]");
    const cv::dnn::MatShape& in = inputs[0];
    const Geometry& g = geometry_;
    const int out_h = output_size(in[2], g.kernel_h, g.stride_h, g.pad_top, g.pad_bottom);
    const int out_w = output_size(in[3], g.kernel_w, g.stride_w, g.pad_left, g.pad_right);
    if (out_h < 1 || out_w < 1) fail("kernel larger than the padded input");
    outputs.assign(1, cv::dnn::MatShape{in[0], channels_, out_h, out_w});
    return false;
  }

  void forward(cv::InputArrayOfArrays inputs_arr, cv::OutputArrayOfArrays outputs_arr,
               cv::OutputArrayOfArrays) override {
    std::vector<cv::Mat> inputs, outputs;
    inputs_arr.getMatVector(inputs);
    outputs_arr.getMatVector(outputs);
    const cv::Mat& x = inputs[0];
    cv::Mat& y = outputs[0];
    if (x.type() != CV_32F) fail("input must be float");
    const int height = x.size[2], width = x.size[3];
    const int out_h = y.size[2], out_w = y.size[3];
    const int planes = x.size[0] * channels_;
    const float* weights = blobs[0].ptr<float>();
    const float* bias = blobs.size() == 2 ? blobs[1].ptr<float>() : nullptr;
    const int taps = geometry_.kernel_h * geometry_.kernel_w;
    cv::parallel_for_(cv::Range(0, planes), [&](const cv::Range& range) {
      std::vector<float> padded;
      for (int p = range.start; p < range.end; ++p) {
        const int c = p % channels_;
        const float* in = x.ptr<float>() + static_cast<size_t>(p) * height * width;
        float* out = y.ptr<float>() + static_cast<size_t>(p) * out_h * out_w;
        const float b = bias ? bias[c] : 0.0f;
        convolve_plane(in, height, width, weights + c * taps, b, geometry_, out, out_h, out_w,
                       padded);
      }
    });
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    CV_Error(cv::Error::StsBadArg, std::string(kLayerType) + " layer '" + name + "': " + what);
  }

  static std::vector<int> int_list(const cv::dnn::LayerParams& params, const std::string& key,
                                   std::vector<int> fallback) {
    if (!params.has(key)) return fallback;
    const cv::dnn::DictValue& value = params.get(key);
    std::vector<int> list(value.size());
    for (int i = 0; i < value.size(); ++i) list[i] = value.get<int>(i);
    return list;
  }

  int channels_ = 0;
  Geometry geometry_{};
};

}  // namespace

void register_depthwise_conv_layer() {
  static std::once_flag once;
  std::call_once(once, [] {
    cv::dnn::LayerFactory::registerLayer(kLayerType, DepthwiseConvLayer::create);
  });
}

}  // namespace fer
