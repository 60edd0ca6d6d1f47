// SPDX-License-Identifier: LGPL-2.1-or-later
// fer_core_bench — what each stage of the core engine costs, on a real face.
//
// A still (default: matplotlib's grace_hopper.jpg) is letterboxed into a
// 1280x720 frame, kept as RGB, I420 and NV12. The face region is the one the
// tracker would use in steady state (detection, then twice from landmarks).
// Every benchmark that runs a network runs once per inference engine, the
// engine last in its name (/xnnpack, /opencv), so one run gives both side by
// side. Measured:
//   Network/<file>/<engine>               each ONNX network alone (InferenceNet::Run)
//   FaceDetector/detect/{short,full}      whole-frame detection (sampling + model + decoding)
//   FaceDetector/model/{short,full}       the network alone on a ready input
//   FaceLandmarker/detect                 landmarks in the face region (sampling + model)
//   FaceLandmarker/model                  the four ONNX parts + custom ops alone
//   sample_rgb/face192/{RGB,I420,NV12}    the 192x192 face crop alone
//   sample_rgb/letterbox128/{RGB,I420,NV12}  the detector's input alone
//   FaceTracker/process/max_faces:{1,4}   one tracked face, steady state
//   EmotionModel/<model>/batch:{1,4}      the emotion network alone on ready
//                                         inputs; items_per_second = faces/s
//   EmotionClassifier/<model>             one face per frame: aligned crop,
//                                         input tensor, network, smoothing
// Wall-clock time (OpenCV may use several threads), a warm-up before each
// measurement, and by default 5 repetitions reported as mean/median/stddev.
//
//   fer_core_bench [--image=PATH] [--cv_threads=N] [benchmark flags...]
//
// --cv_threads=N calls cv::setNumThreads(N) (default: OpenCV's own choice,
// as in the GStreamer elements). Models come from the usual search path
// ($FER_MODEL_DIR, then the build tree).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "fer/emotion_classifier.h"
#include "fer/face_analytics.h"
#include "fer/emotion_input.h"
#include "fer/emotion_model.h"
#include "fer/face_detector.h"
#include "fer/face_landmarker.h"
#include "fer/face_tracker.h"
#include "fer/image.h"
#include "fer/image_sampler.h"
#include "fer/inference_net.h"
#include "fer/model_registry.h"
#include "fer/roi.h"

namespace {

constexpr const char* kDefaultImage = "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg";
constexpr int kFrameWidth = 1280;
constexpr int kFrameHeight = 720;
constexpr double kWarmUpSeconds = 0.5;

std::string g_image_path = kDefaultImage;

// One test frame in three formats, and the face region found in it.
struct Frames {
  cv::Mat rgb;   // kFrameHeight x kFrameWidth, CV_8UC3, R G B
  cv::Mat i420;  // (kFrameHeight * 3 / 2) x kFrameWidth, CV_8UC1: Y, U, V planes
  cv::Mat nv12;  // same size: Y plane, interleaved UV plane
  fer::Roi face;
};

fer::ImageView view_of(const Frames& f, fer::PixelFormat format) {
  fer::ImageView v;
  v.format = format;
  v.width = kFrameWidth;
  v.height = kFrameHeight;
  const int luma = kFrameWidth * kFrameHeight;
  switch (format) {
    case fer::PixelFormat::RGB:
      v.planes[0] = f.rgb.data;
      v.strides[0] = static_cast<int>(f.rgb.step);
      break;
    case fer::PixelFormat::I420:
      v.planes = {f.i420.data, f.i420.data + luma, f.i420.data + luma + luma / 4};
      v.strides = {kFrameWidth, kFrameWidth / 2, kFrameWidth / 2};
      break;
    case fer::PixelFormat::NV12:
      v.planes = {f.nv12.data, f.nv12.data + luma, nullptr};
      v.strides = {kFrameWidth, kFrameWidth, 0};
      break;
    default:
      throw std::runtime_error("view_of: unsupported format");
  }
  return v;
}

// The still, scaled to fit and centred on a black 1280x720 frame.
cv::Mat make_frame(const std::string& path) {
  const cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
  if (bgr.empty()) throw std::runtime_error("cannot read image " + path);
  const double scale = std::min(double(kFrameWidth) / bgr.cols, double(kFrameHeight) / bgr.rows);
  cv::Mat scaled;
  cv::resize(bgr, scaled, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::Mat frame(kFrameHeight, kFrameWidth, CV_8UC3, cv::Scalar::all(0));
  scaled.copyTo(frame(cv::Rect((kFrameWidth - scaled.cols) / 2, (kFrameHeight - scaled.rows) / 2,
                               scaled.cols, scaled.rows)));
  cv::Mat rgb;
  cv::cvtColor(frame, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

using fer::InferenceEngine;
const InferenceEngine kEngines[] = {InferenceEngine::kXnnpack, InferenceEngine::kOpenCV};

// One instance per engine, made on first use (benchmarks run one at a time).
fer::FaceLandmarker& landmarker(InferenceEngine engine = InferenceEngine::kXnnpack) {
  static std::map<InferenceEngine, std::unique_ptr<fer::FaceLandmarker>> made;
  auto& l = made[engine];
  if (!l) {
    fer::FaceLandmarkerOptions o;
    o.engine = engine;
    l = fer::FaceLandmarker::Create(o);
  }
  return *l;
}

fer::FaceDetector& detector(fer::DetectorModel model, InferenceEngine engine = InferenceEngine::kXnnpack) {
  static std::map<std::pair<fer::DetectorModel, InferenceEngine>, std::unique_ptr<fer::FaceDetector>> made;
  auto& d = made[{model, engine}];
  if (!d) {
    fer::FaceDetectorOptions o;
    o.model = model;
    o.engine = engine;
    d = fer::FaceDetector::Create(o);
  }
  return *d;
}

const Frames& frames() {
  static const Frames f = [] {
    Frames r;
    r.rgb = make_frame(g_image_path);
    cv::cvtColor(r.rgb, r.i420, cv::COLOR_RGB2YUV_I420);
    r.nv12 = r.i420.clone();
    const int luma = kFrameWidth * kFrameHeight, chroma = luma / 4;
    const std::uint8_t* u = r.i420.data + luma;
    const std::uint8_t* v = u + chroma;
    std::uint8_t* uv = r.nv12.data + luma;
    for (int i = 0; i < chroma; ++i) {
      uv[2 * i] = u[i];
      uv[2 * i + 1] = v[i];
    }
    const auto found = detector(fer::DetectorModel::ShortRange).Detect(view_of(r, fer::PixelFormat::RGB));
    if (found.empty()) throw std::runtime_error("no face found in " + g_image_path);
    r.face = fer::face_roi_from_detection(found.front());
    for (int i = 0; i < 2; ++i)  // as the tracker does from the second frame on
      r.face = fer::face_roi_from_landmarks(
          landmarker().Detect(view_of(r, fer::PixelFormat::RGB), r.face).points);
    return r;
  }();
  return f;
}

// The built-in networks and their input shapes.
const char* const kNetworks[] = {
    "face_detection_short_range.onnx",          "face_detection_full_range.onnx",
    "face_landmark_with_attention.part0.onnx", "face_landmark_with_attention.part1.onnx",
    "face_landmark_with_attention.part2.onnx", "face_landmark_with_attention.part3.onnx",
    "minixception-fer2013.onnx",                "faceapi-expression.onnx"};

std::vector<std::vector<int>> network_input_shapes(const std::string& file) {
  if (file == "face_detection_short_range.onnx") return {{1, 128, 128, 3}};
  if (file == "minixception-fer2013.onnx") return {{1, 64, 64, 1}};
  if (file == "faceapi-expression.onnx") return {{1, 112, 112, 3}};
  if (file.find(".part0.") == std::string::npos && file.find(".part") != std::string::npos)
    return {{1, 16, 16, 32}, {1, 4, 4}};  // a refinement head: features and matrix
  return {{1, 192, 192, 3}};
}

const char* format_name(fer::PixelFormat format) {
  switch (format) {
    case fer::PixelFormat::I420: return "I420";
    case fer::PixelFormat::NV12: return "NV12";
    default: return "RGB";
  }
}

// --- benchmarks -------------------------------------------------------------

void detector_detect(benchmark::State& state, fer::DetectorModel model, InferenceEngine engine) {
  fer::FaceDetector& d = detector(model, engine);
  const fer::ImageView view = view_of(frames(), fer::PixelFormat::RGB);
  size_t faces = 0;
  for (auto _ : state) {
    auto found = d.Detect(view);
    faces = found.size();
    benchmark::DoNotOptimize(found);
  }
  state.counters["faces"] = static_cast<double>(faces);
}

void detector_model(benchmark::State& state, fer::DetectorModel model, InferenceEngine engine) {
  fer::FaceDetector& d = detector(model, engine);
  const fer::ImageView view = view_of(frames(), fer::PixelFormat::RGB);
  const cv::Size size = d.input_size();
  const fer::Roi box = fer::letterbox_roi(view.width, view.height);
  const cv::Mat input = fer::sample_rgb(view, fer::roi_sampling_matrix(box, size), size, fer::Border::Zero);
  std::vector<float> regressors, logits;
  for (auto _ : state) {
    d.RunModel(input, regressors, logits);
    benchmark::DoNotOptimize(logits.data());
  }
}

void landmarker_detect(benchmark::State& state, InferenceEngine engine) {
  const Frames& f = frames();
  const fer::ImageView view = view_of(f, fer::PixelFormat::RGB);
  float presence = 0;
  for (auto _ : state) {
    auto lm = landmarker(engine).Detect(view, f.face);
    presence = lm.presence;
    benchmark::DoNotOptimize(lm);
  }
  state.counters["presence"] = presence;
}

void landmarker_model(benchmark::State& state, InferenceEngine engine) {
  const Frames& f = frames();
  const cv::Size size(fer::FaceLandmarker::kInputSize, fer::FaceLandmarker::kInputSize);
  const cv::Mat input = fer::sample_rgb(view_of(f, fer::PixelFormat::RGB),
                                        fer::roi_sampling_matrix(f.face, size), size,
                                        fer::Border::Replicate);
  for (auto _ : state) {
    auto lm = landmarker(engine).RunModel(input);
    benchmark::DoNotOptimize(lm);
  }
}

void sample_face(benchmark::State& state, fer::PixelFormat format) {
  const Frames& f = frames();
  const fer::ImageView view = view_of(f, format);
  const cv::Size size(fer::FaceLandmarker::kInputSize, fer::FaceLandmarker::kInputSize);
  const cv::Matx23f m = fer::roi_sampling_matrix(f.face, size);
  for (auto _ : state) {
    cv::Mat crop = fer::sample_rgb(view, m, size, fer::Border::Replicate);
    benchmark::DoNotOptimize(crop.data);
  }
}

void sample_letterbox(benchmark::State& state, fer::PixelFormat format) {
  const fer::ImageView view = view_of(frames(), format);
  const cv::Size size(128, 128);
  const cv::Matx23f m = fer::roi_sampling_matrix(fer::letterbox_roi(view.width, view.height), size);
  for (auto _ : state) {
    cv::Mat input = fer::sample_rgb(view, m, size, fer::Border::Zero);
    benchmark::DoNotOptimize(input.data);
  }
}

// The same frame over and over: after the first frame the face is followed by
// the landmark model; with max_faces above the number of faces the detector
// still runs every detect_interval-th frame (default 10) to look for more.
void tracker_process(benchmark::State& state, InferenceEngine engine) {
  fer::FaceTrackerOptions o;
  o.max_faces = static_cast<int>(state.range(0));
  o.engine = engine;
  const auto tracker = fer::FaceTracker::Create(o);
  const fer::ImageView view = view_of(frames(), fer::PixelFormat::RGB);
  tracker->Process(view);  // picks up the face
  const auto runs_before = tracker->detector_runs();
  size_t faces = 0;
  for (auto _ : state) {
    auto result = tracker->Process(view);
    faces = result.size();
    benchmark::DoNotOptimize(result);
  }
  state.counters["faces"] = static_cast<double>(faces);
  state.counters["detector_runs_per_frame"] =
      static_cast<double>(tracker->detector_runs() - runs_before) /
      static_cast<double>(state.iterations());
}

// The face of the test frame with its landmarks, as facelandmarks gives it.
fer::Face tracked_face() {
  const Frames& f = frames();
  fer::Face face;
  face.id = 0;
  face.landmarks = landmarker().Detect(view_of(f, fer::PixelFormat::RGB), f.face).points;
  face.bbox = fer::landmark_bounds(face.landmarks);
  return face;
}

void emotion_model(benchmark::State& state, const std::string& name, InferenceEngine engine) {
  auto model = fer::EmotionModel::Create(name, fer::ModelRegistry(), engine);
  const fer::ImageInputSpec& spec = model->spec().image;
  const cv::Mat crop = fer::aligned_face_crop(view_of(frames(), fer::PixelFormat::RGB),
                                              tracked_face().landmarks, {spec.width, spec.height},
                                              model->spec().crop_margin);
  const std::vector<cv::Mat> crops(static_cast<size_t>(state.range(0)), crop);
  const cv::Mat blob = fer::image_input_blob(spec, crops);
  for (auto _ : state) {
    auto probs = model->Run(blob);
    benchmark::DoNotOptimize(probs);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void emotion_classifier(benchmark::State& state, const std::string& name, InferenceEngine engine) {
  fer::EmotionClassifierOptions o;
  o.model = name;
  o.engine = engine;
  auto classifier = fer::EmotionClassifier::Create(o);
  const fer::ImageView view = view_of(frames(), fer::PixelFormat::RGB);
  fer::FrameFaces frame;
  frame.width = view.width;
  frame.height = view.height;
  frame.faces = {tracked_face()};
  for (auto _ : state) {
    ++frame.frame;
    classifier->Classify(view, frame);
    benchmark::DoNotOptimize(frame.faces[0].emotion);
  }
}

// The whole chain (fer::FaceAnalytics with its defaults: tracking, pose,
// blendshapes, the ensemble's emotion) on the same frame over and over.
void face_analytics(benchmark::State& state, InferenceEngine engine) {
  fer::FaceAnalyticsOptions o;
  o.engine = engine;
  const auto analytics = fer::FaceAnalytics::Create(o);
  const fer::ImageView view = view_of(frames(), fer::PixelFormat::RGB);
  std::int64_t pts = 0;
  analytics->Process(view, pts);  // picks up the face
  for (auto _ : state) {
    pts += 40'000'000;
    auto result = analytics->Process(view, pts);
    benchmark::DoNotOptimize(result);
  }
}

// One network alone on a random input of its declared shape (batch 1).
void network(benchmark::State& state, const std::string& file, InferenceEngine engine) {
  const std::string path = fer::ModelRegistry().Locate(file);
  auto net = fer::InferenceNet::Create(path, engine);
  std::vector<cv::Mat> inputs;
  for (const auto& shape : network_input_shapes(file)) {
    cv::Mat m(static_cast<int>(shape.size()), shape.data(), CV_32F);
    cv::randu(m, -1.0, 1.0);
    inputs.push_back(m);
  }
  for (auto _ : state) {
    auto out = net->Run(inputs);
    benchmark::DoNotOptimize(out);
  }
}

benchmark::internal::Benchmark* common(benchmark::internal::Benchmark* b, benchmark::TimeUnit unit) {
  return b->Unit(unit)->UseRealTime()->MinWarmUpTime(kWarmUpSeconds);
}

void register_all() {
  using fer::DetectorModel;
  using fer::PixelFormat;
  const auto ms = benchmark::kMillisecond, us = benchmark::kMicrosecond;
  for (InferenceEngine engine : kEngines) {
    const std::string e = std::string("/") + fer::engine_name(engine);
    for (const char* file : kNetworks)
      common(benchmark::RegisterBenchmark(("Network/" + std::string(file) + e).c_str(), network, file, engine), us);
    common(benchmark::RegisterBenchmark(("FaceDetector/detect/short" + e).c_str(), detector_detect, DetectorModel::ShortRange, engine), ms);
    common(benchmark::RegisterBenchmark(("FaceDetector/detect/full" + e).c_str(), detector_detect, DetectorModel::FullRange, engine), ms);
    common(benchmark::RegisterBenchmark(("FaceDetector/model/short" + e).c_str(), detector_model, DetectorModel::ShortRange, engine), ms);
    common(benchmark::RegisterBenchmark(("FaceDetector/model/full" + e).c_str(), detector_model, DetectorModel::FullRange, engine), ms);
    common(benchmark::RegisterBenchmark(("FaceLandmarker/detect" + e).c_str(), landmarker_detect, engine), ms);
    common(benchmark::RegisterBenchmark(("FaceLandmarker/model" + e).c_str(), landmarker_model, engine), ms);
  }
  for (PixelFormat format : {PixelFormat::RGB, PixelFormat::I420, PixelFormat::NV12}) {
    const std::string name = format_name(format);
    common(benchmark::RegisterBenchmark(("sample_rgb/face192/" + name).c_str(), sample_face, format), us);
    common(benchmark::RegisterBenchmark(("sample_rgb/letterbox128/" + name).c_str(), sample_letterbox, format), us);
  }
  for (InferenceEngine engine : kEngines) {
    const std::string e = std::string("/") + fer::engine_name(engine);
    common(benchmark::RegisterBenchmark(("FaceTracker/process" + e).c_str(), tracker_process, engine), ms)
        ->ArgName("max_faces")->Arg(1)->Arg(4);
    for (const std::string& name : fer::EmotionModel::builtin_names())
      common(benchmark::RegisterBenchmark(("EmotionModel/" + name + e).c_str(), emotion_model, name, engine), ms)
          ->ArgName("batch")->Arg(1)->Arg(4);
    for (const std::string& name : fer::EmotionClassifier::appearance_model_names())
      common(benchmark::RegisterBenchmark(("EmotionClassifier/" + name + e).c_str(), emotion_classifier, name, engine), ms);
    common(benchmark::RegisterBenchmark(("FaceAnalytics/process" + e).c_str(), face_analytics, engine), ms);
  }
}

bool has_flag(int argc, char** argv, const char* prefix) {
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], prefix, std::strlen(prefix)) == 0) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  // Defaults of this benchmark, unless given on the command line.
  std::vector<char*> args(argv, argv + argc);
  static char repetitions[] = "--benchmark_repetitions=5";
  static char aggregates[] = "--benchmark_report_aggregates_only=true";
  if (!has_flag(argc, argv, "--benchmark_repetitions")) args.push_back(repetitions);
  if (!has_flag(argc, argv, "--benchmark_report_aggregates_only") &&
      !has_flag(argc, argv, "--benchmark_display_aggregates_only"))
    args.push_back(aggregates);
  int n = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&n, args.data());

  for (int i = 1; i < n; ++i) {
    const std::string arg = args[i];
    if (arg.rfind("--image=", 0) == 0) {
      g_image_path = arg.substr(8);
    } else if (arg.rfind("--cv_threads=", 0) == 0) {
      cv::setNumThreads(std::stoi(arg.substr(13)));
    } else {
      std::fprintf(stderr, "fer_core_bench: unknown argument %s\n", arg.c_str());
      return 2;
    }
  }
  try {
    const Frames& f = frames();  // fail early, with a clear message
    benchmark::AddCustomContext("image", g_image_path);
    benchmark::AddCustomContext("frame", std::to_string(kFrameWidth) + "x" + std::to_string(kFrameHeight));
    benchmark::AddCustomContext("face_roi_px", std::to_string(static_cast<int>(f.face.size.width)));
    benchmark::AddCustomContext("opencv_threads", std::to_string(cv::getNumThreads()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fer_core_bench: %s\n", e.what());
    return 1;
  }
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
