#include "fer/onnx_net.h"

#include "fer/error.h"

namespace fer {

cv::dnn::Net load_onnx_net(const std::string& path) {
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
    if (net.empty()) throw Error("cannot load model " + path + ": no layers");
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return net;
  } catch (const cv::Exception& e) {
    throw Error("cannot load model " + path + ": " + e.msg);
  }
}

}  // namespace fer
