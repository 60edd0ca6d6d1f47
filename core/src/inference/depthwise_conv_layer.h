// SPDX-License-Identifier: LGPL-2.1-or-later
// gst_fer.DepthwiseConv2D — a cv::dnn layer for depthwise convolutions on
// narrow inputs.
//
// WHY
//   cv::dnn 4.6 has a vectorised depthwise path only for 3x3 kernels on
//   inputs of at least 18 columns; narrower inputs (the 12x12 ... 3x3 maps of
//   MediaPipe's face landmark model and its refinement heads) go through a
//   generic im2row path that is 3-5 times slower than the arithmetic needs.
//   The project's converter (tools/convert) writes such convolutions as ONNX
//   nodes DepthwiseConv2D of domain "gst_fer", which cv::dnn's importer turns
//   into layers of type "gst_fer.DepthwiseConv2D": this one.
//
// WHAT IT COMPUTES
//   For an NCHW input x of C channels, weights w [C, 1, kh, kw] and bias b
//   [C]: y[n, c, i, j] = b[c] + sum_{u, v} w[c, 0, u, v] *
//   x[n, c, i*sh + u - pad_top, j*sw + v - pad_left], with zeros outside x
//   (ONNX Conv with group = C, one output channel per group, dilation 1).
//   Attributes as ONNX Conv: pads [top, left, bottom, right], strides [h, w].
//
// ERRORS
//   Malformed weights, attributes or input shapes raise cv::Exception naming
//   the layer; fer::load_onnx_net reports it with the model file.
#pragma once

namespace fer {

// Makes the layer known to cv::dnn's importer; safe to call more than once
// and from several threads.
void register_depthwise_conv_layer();

}  // namespace fer
