// SPDX-License-Identifier: LGPL-2.1-or-later
#include "evaluator.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <opencv2/imgcodecs.hpp>

#include "fer/emotion_labels.h"
#include "fer/error.h"
#include "fer/face_analytics.h"
#include "primary_face.h"
#include "video_decoder.h"

namespace fer_eval {

// The elements' chain (facelandmarks ! [waveletencode !] emotionclassify,
// their defaults) for one stream at a time, owned by one worker; frames are
// numbered within each stream.
class Chain {
 public:
  explicit Chain(const EvalOptions& options) {
    fer::FaceAnalyticsOptions analytics;
    analytics.model_dir = options.emotion.model_dir;
    analytics.engine = options.emotion.engine;
    analytics.emotion = options.emotion;
    analytics_ = fer::FaceAnalytics::Create(analytics);
    labels_ = analytics_->emotion_labels();
  }

  const std::vector<std::string>& labels() const { return labels_; }

  // A new, unrelated stream starts.
  void Reset(std::int64_t frame_duration_ns) {
    analytics_->Reset();
    first_frame_ = analytics_->next_frame();
    if (frame_duration_ns > 0) analytics_->SetFrameDuration(frame_duration_ns);
  }

  // Analyses one frame; calls `done` with each frame whose emotion is final
  // (with a feature model, the previous frame: fer/face_analytics.h).
  void Push(const fer::ImageView& image, std::optional<std::int64_t> pts,
            const std::function<void(const fer::FrameFaces&)>& done) {
    if (auto frame = analytics_->Process(image, pts)) Deliver(*frame, done);
  }

  // The stream ends: the held frame, if any, is final.
  void Finish(const std::function<void(const fer::FrameFaces&)>& done) {
    if (auto frame = analytics_->Finish()) Deliver(*frame, done);
  }

 private:
  void Deliver(fer::FrameFaces& frame, const std::function<void(const fer::FrameFaces&)>& done) {
    frame.frame -= first_frame_;
    done(frame);
  }

  std::unique_ptr<fer::FaceAnalytics> analytics_;
  std::vector<std::string> labels_;
  std::int64_t first_frame_ = 0;
};

namespace {

// The frame's prediction from its primary face.
FramePrediction predict_frame(const fer::FrameFaces& frame, const LabelMap& labels) {
  FramePrediction p;
  p.frame = frame.frame;
  const fer::Face* face = fer_tools::primary_face(frame);
  if (!face) {
    p.predicted = labels.index(kNotDetected);
    return p;
  }
  if (!face->emotion) {  // a face, but no result yet (a feature model before its first window)
    p.predicted = labels.index(std::string(fer::kUnknownEmotion));
    return p;
  }
  p.predicted = labels.index(face->emotion->label);
  p.confidence = face->emotion->confidence;
  for (const fer::EmotionProbability& e : face->emotion->probabilities) p.probs.push_back(e.probability);
  return p;
}

// The item's prediction from its frames (see the header).
Prediction predict_item(const std::vector<FramePrediction>& frames, const LabelMap& labels,
                        float min_confidence) {
  Prediction p;
  std::int64_t n = 0;
  for (const FramePrediction& f : frames) {
    if (f.probs.empty()) continue;
    if (p.probs.empty()) p.probs.assign(f.probs.size(), 0.0f);
    for (std::size_t k = 0; k < f.probs.size(); ++k) p.probs[k] += f.probs[k];
    ++n;
  }
  if (n == 0) {
    p.predicted = labels.index(kNotDetected);
    return p;
  }
  for (float& v : p.probs) v /= static_cast<float>(n);
  const auto best = std::max_element(p.probs.begin(), p.probs.end()) - p.probs.begin();
  p.confidence = p.probs[static_cast<std::size_t>(best)];
  p.predicted = p.confidence >= min_confidence ? static_cast<int>(best)
                                               : labels.index(std::string(fer::kUnknownEmotion));
  return p;
}

// One piece of work: a still, a clip, or all ranges of one video.
struct Unit {
  std::vector<std::size_t> items;  // indices into set.items
  std::string path;
  bool still = false;
  std::int64_t last_frame = -1;    // ranges: the last labelled frame; -1: the whole video
  std::int64_t weight = 1;         // expected frames, for progress
};

std::vector<Unit> plan_units(const EvalSet& set) {
  std::vector<Unit> units;
  if (set.form == EvalForm::kRanges) {
    std::map<std::string, std::size_t> by_path;
    for (std::size_t i = 0; i < set.items.size(); ++i) {
      const EvalItem& item = set.items[i];
      auto [it, added] = by_path.emplace(item.path, units.size());
      if (added) units.push_back({{}, item.path, false, -1, 1});
      Unit& unit = units[it->second];
      unit.items.push_back(i);
      unit.last_frame = std::max(unit.last_frame, item.end_frame);
      unit.weight = unit.last_frame + 1;
    }
  } else {
    for (std::size_t i = 0; i < set.items.size(); ++i)
      units.push_back({{i}, set.items[i].path, set.form != EvalForm::kClips, -1,
                       set.form == EvalForm::kClips ? 100 : 1});
  }
  return units;
}

struct Shared {
  const EvalSet* set = nullptr;
  const LabelMap* labels = nullptr;
  const std::vector<Unit>* units = nullptr;
  std::vector<ItemResult>* results = nullptr;
  const EvalOptions* options = nullptr;
  std::atomic<std::size_t> next{0};
  std::atomic<int> units_done{0};
  std::atomic<std::int64_t> frames{0};
  std::atomic<std::int64_t> weight_done{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::exception_ptr failure;
};

void run_still(Chain& chain, const Unit& unit, Shared& s) {
  ItemResult& r = (*s.results)[unit.items[0]];
  cv::Mat bgr;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(unit.path, ec)) {
    r.error = std::filesystem::exists(unit.path, ec) ? "not a regular file" : "file not found";
    r.item.predicted = s.labels->index(kNotDetected);
    return;
  }
  try {
    bgr = cv::imread(unit.path, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    r.error = std::string("cannot decode the image: ") + e.what();
  }
  if (bgr.empty()) {
    if (r.error.empty()) r.error = "cannot decode the image (not an image file, or damaged)";
    r.item.predicted = s.labels->index(kNotDetected);
    return;
  }
  const fer::ImageView view = fer::bgr_view(bgr);
  chain.Reset(0);
  std::vector<FramePrediction> frames;
  chain.Push(view, 0, [&](const fer::FrameFaces& f) { frames.push_back(predict_frame(f, *s.labels)); });
  chain.Finish([&](const fer::FrameFaces& f) { frames.push_back(predict_frame(f, *s.labels)); });
  r.item = predict_item(frames, *s.labels, s.options->emotion.min_confidence);
}

void run_video(Chain& chain, const Unit& unit, Shared& s) {
  // The item each labelled frame belongs to (clips: every frame, item 0).
  std::vector<const EvalItem*> items;
  for (std::size_t i : unit.items) items.push_back(&s.set->items[i]);
  const bool whole = s.set->form == EvalForm::kClips;
  auto item_of = [&](std::int64_t frame) -> int {
    if (whole) return 0;
    for (std::size_t k = 0; k < items.size(); ++k)
      if (frame >= items[k]->start_frame && frame <= items[k]->end_frame) return static_cast<int>(k);
    return -1;
  };
  std::vector<std::vector<FramePrediction>> frames(items.size());
  auto done = [&](const fer::FrameFaces& f) {
    const int k = item_of(f.frame);
    if (k >= 0) frames[static_cast<std::size_t>(k)].push_back(predict_frame(f, *s.labels));
  };
  bool reset = false;
  std::int64_t reached = -1;
  const fer_tools::DecodeResult decoded = fer_tools::decode_video(
      unit.path,
      [&](const fer_tools::VideoFrame& frame) {
        if (!reset) {
          chain.Reset(frame.frame_duration_ns);
          reset = true;
        }
        try {
          chain.Push(frame.image, frame.pts, done);
        } catch (const std::exception& e) {
          throw fer::Error(std::string("face analysis failed: ") + e.what());
        }
        reached = frame.index;
        s.frames.fetch_add(1);
        s.weight_done.fetch_add(whole ? 0 : 1);
        return unit.last_frame < 0 || frame.index < unit.last_frame;
      },
      &s.stop);
  if (decoded.cancelled) return;
  try {
    chain.Finish(done);
  } catch (const std::exception&) {
    // the held frame is lost with the stream's error below
  }
  for (std::size_t k = 0; k < items.size(); ++k) {
    ItemResult& r = (*s.results)[unit.items[k]];
    const EvalItem& item = *items[k];
    const std::int64_t last = whole ? reached : item.end_frame;
    if (!decoded.error.empty() && (whole || last > reached)) {
      r.error = decoded.error;
    } else if (!whole && last > reached) {
      r.error = "the video has only " + std::to_string(reached + 1) + " frames";
    }
    std::vector<FramePrediction>& mine = frames[k];
    if (!whole && !r.error.empty()) {  // labelled frames never reached: not detected
      for (std::int64_t f = std::max(item.start_frame, reached + 1); f <= item.end_frame; ++f) {
        FramePrediction p;
        p.frame = f;
        p.predicted = s.labels->index(kNotDetected);
        mine.push_back(p);
      }
    }
    r.item = r.error.empty() ? predict_item(mine, *s.labels, s.options->emotion.min_confidence)
                             : Prediction{s.labels->index(kNotDetected), 0.0f, {}};
    r.frame_predictions = std::move(mine);
  }
}

// `chain`: models already loaded, or null to load them here.
void worker(Shared& s, std::unique_ptr<Chain> chain) {
  try {
    if (!chain) chain = std::make_unique<Chain>(*s.options);
  } catch (...) {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (!s.failure) s.failure = std::current_exception();
    s.stop = true;
    return;
  }
  for (;;) {
    if (s.stop.load() || (s.options->cancel && s.options->cancel->load())) break;
    const std::size_t k = s.next.fetch_add(1);
    if (k >= s.units->size()) break;
    const Unit& unit = (*s.units)[k];
    if (unit.still)
      run_still(*chain, unit, s);
    else
      run_video(*chain, unit, s);
    if (unit.still || s.set->form == EvalForm::kClips) s.weight_done.fetch_add(unit.weight);
    s.units_done.fetch_add(1);
  }
}

}  // namespace

Evaluator::Evaluator(const EvalOptions& options)
    : options_(options), loaded_(std::make_unique<Chain>(options_)) {
  model_labels_ = loaded_->labels();
}

Evaluator::~Evaluator() = default;

std::vector<ItemResult> Evaluator::run(const EvalSet& set, const LabelMap& labels,
                                       const std::function<void(const EvalProgress&)>& progress) {
  const std::vector<Unit> units = plan_units(set);
  std::vector<ItemResult> results(set.items.size());
  for (std::size_t i = 0; i < set.items.size(); ++i)
    results[i].truth = labels.index(labels.map(set.items[i].label, set.items[i].where));

  Shared s;
  s.set = &set;
  s.labels = &labels;
  s.units = &units;
  s.results = &results;
  s.options = &options_;
  std::int64_t total_weight = 0;
  for (const Unit& u : units) total_weight += u.weight;

  const int jobs = std::max(1, std::min<int>(options_.jobs, static_cast<int>(units.size())));
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) threads.emplace_back(worker, std::ref(s), std::move(loaded_));  // then null
  auto report = [&] {
    EvalProgress p;
    p.units_done = s.units_done.load();
    p.units_total = static_cast<int>(units.size());
    p.frames_decoded = s.frames.load();
    p.fraction = total_weight > 0 ? static_cast<double>(s.weight_done.load()) / static_cast<double>(total_weight) : 1.0;
    progress(p);
  };
  // Progress four times a second; the end is noticed within 10 ms.
  for (int tick = 0; s.units_done.load() < static_cast<int>(units.size()) && !s.stop.load(); ++tick) {
    if (options_.cancel && options_.cancel->load()) s.stop = true;
    if (tick % 25 == 0) report();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (std::thread& t : threads) t.join();
  if (s.failure) std::rethrow_exception(s.failure);
  if (options_.cancel && options_.cancel->load()) return {};
  report();
  return results;
}

}  // namespace fer_eval
