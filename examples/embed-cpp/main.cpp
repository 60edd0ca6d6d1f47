// SPDX-License-Identifier: LGPL-2.1-or-later
// fer-embed — gst-fer's analytics inside another program, without
// GStreamer: reads an image or a video with OpenCV and prints one JSON line
// per frame (the schema facemetapublish writes, docs/metadata.md).
//
//   fer-embed INPUT [MAX_FRAMES]
//
// Exit status: 0 done, 1 bad input or a failure (said on stderr), 2 usage.
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "fer/face_analytics.h"
#include "fer/image.h"  // fer::bgr_view: the analytics read OpenCV's pixels in place
#include "fer/io/json_lines.h"

namespace {

void print(const std::optional<fer::FrameFaces>& frame) {
  if (frame) std::cout << fer::to_json_line(*frame) << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: fer-embed INPUT [MAX_FRAMES]\n";
    return 2;
  }
  const std::string input = argv[1];
  const long max_frames = argc == 3 ? std::atol(argv[2]) : -1;
  if (!std::filesystem::is_regular_file(input)) {
    std::cerr << "fer-embed: " << input << ": no such file\n";
    return 1;
  }
  try {
    // Defaults: up to 4 tracked faces, pose, blendshapes, the ensemble's
    // emotion; models from the installed package.
    auto analytics = fer::FaceAnalytics::Create(fer::FaceAnalyticsOptions{});

    cv::Mat still = cv::imread(input, cv::IMREAD_COLOR);
    if (!still.empty()) {
      print(analytics->Process(fer::bgr_view(still), std::nullopt));
      return 0;
    }
    cv::VideoCapture video(input);
    if (!video.isOpened()) {
      std::cerr << "fer-embed: " << input << ": not an image or video OpenCV can read\n";
      return 1;
    }
    cv::Mat frame;
    for (long n = 0; (max_frames < 0 || n < max_frames) && video.read(frame); ++n) {
      const auto pts_ns = static_cast<std::int64_t>(video.get(cv::CAP_PROP_POS_MSEC) * 1e6);
      print(analytics->Process(fer::bgr_view(frame), pts_ns));
    }
    print(analytics->Finish());  // nothing held with these options; kept for feature encoding
  } catch (const std::exception& e) {
    std::cerr << "fer-embed: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
