// SPDX-License-Identifier: LGPL-2.1-or-later
#include "inference/onnx_net.h"

#include <mutex>

#include <opencv2/core/utils/logger.hpp>

#include "inference/depthwise_conv_layer.h"
#include "fer/error.h"
#include "inference/onnx_graph.h"

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

std::vector<std::int64_t> onnx_input_shape(const std::string& path) {
  return OnnxGraph::Read(path).inputs.front().shape;
}

}  // namespace fer
