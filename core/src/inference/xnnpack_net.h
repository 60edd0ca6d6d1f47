// SPDX-License-Identifier: LGPL-2.1-or-later
// The two engines behind fer::InferenceNet (fer/inference_net.h).
//
// make_xnnpack_net() rebuilds an ONNX graph as an XNNPACK subgraph in NHWC
// layout (docs/architecture.md#inference says how each operator maps) and
// plans it for a batch of one; other batch sizes are planned on first use.
// It throws XnnpackUnmappable naming the first node it cannot express, and
// XnnpackRejected when XNNPACK itself refuses the subgraph or is not usable
// on this CPU.
#pragma once

#include <memory>
#include <string>

#include "fer/error.h"
#include "fer/inference_net.h"
#include "inference/onnx_graph.h"

namespace fer {

struct XnnpackUnmappable : Error {
  using Error::Error;
};

struct XnnpackRejected : Error {
  using Error::Error;
};

std::unique_ptr<InferenceNet> make_xnnpack_net(const std::string& path,
                                               std::shared_ptr<const OnnxGraph> graph);
std::unique_ptr<InferenceNet> make_opencv_net(const std::string& path, const OnnxGraph& graph);

}  // namespace fer
