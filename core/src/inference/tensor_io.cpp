// SPDX-License-Identifier: LGPL-2.1-or-later
#include "inference/tensor_io.h"

namespace fer {

cv::Mat to_nhwc_tensor(const cv::Mat& rgb, float scale, float offset) {
  CV_Assert(rgb.type() == CV_8UC3);
  const int dims[] = {1, rgb.rows, rgb.cols, 3};
  cv::Mat tensor(4, dims, CV_32F);
  cv::Mat view(rgb.rows, rgb.cols, CV_32FC3, tensor.ptr<float>());
  rgb.convertTo(view, CV_32FC3, scale, offset);
  return tensor;
}

}  // namespace fer
