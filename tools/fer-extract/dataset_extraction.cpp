// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dataset_extraction.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "fer/blendshapes.h"
#include "fer/face.h"
#include "fer/io/npz_writer.h"
#include "part_store.h"

namespace fer_extract {

namespace {

constexpr std::size_t kLandmarkValues = static_cast<std::size_t>(kCoefficients) * fer::kFaceLandmarks * 3;
constexpr std::size_t kBlendshapeValues = static_cast<std::size_t>(kCoefficients) * fer::kBlendshapeCount;

ClipKey key_of(const fer::DatasetClip& clip) { return {clip.index, clip.file_path}; }

// Drops the coefficient arrays (kept in the parts, not in memory).
ClipFeatures counts_only(ClipFeatures f) {
  f.landmarks = {};
  f.blendshapes = {};
  return f;
}

// State shared by the workers and the reporting thread.
struct WorkQueue {
  const std::vector<int>* pending = nullptr;  // CSV rows still to compute
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};              // cancel or failure: end running clips

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::pair<int, ClipOutcome>> finished;  // row, outcome
  int running = 0;
  std::exception_ptr failure;                 // the first failure of the run itself
};

void worker(ClipExtractor& extractor, const fer::DatasetCsv& csv, const PartStore& parts, WorkQueue& q) {
  for (;;) {
    if (q.stop.load()) break;
    const std::size_t k = q.next.fetch_add(1);
    if (k >= q.pending->size()) break;
    const int row = (*q.pending)[k];
    const fer::DatasetClip& clip = csv.clips[static_cast<std::size_t>(row)];
    const auto start = std::chrono::steady_clock::now();
    ClipOutcome outcome;
    outcome.clip = &clip;
    try {
      ClipFeatures features = extractor.extract(clip.file_path, &q.stop);
      if (!features.error) parts.save(key_of(clip), features);
      outcome.features = counts_only(std::move(features));
    } catch (...) {
      std::lock_guard<std::mutex> lock(q.mutex);
      if (!q.failure) q.failure = std::current_exception();
      q.stop = true;
      break;
    }
    outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::lock_guard<std::mutex> lock(q.mutex);
    q.finished.emplace_back(row, std::move(outcome));
    q.changed.notify_all();
  }
  std::lock_guard<std::mutex> lock(q.mutex);
  --q.running;
  q.changed.notify_all();
}

}  // namespace

std::string parts_dir_for(const std::string& output) { return output + ".parts"; }

ExtractionSummary extract_dataset(const fer::DatasetCsv& csv, const std::string& output,
                                  const ExtractionOptions& options, ExtractionReporter& reporter) {
  const std::size_t M = csv.clips.size();
  ExtractionSummary summary;
  summary.clips = static_cast<int>(M);

  std::unique_ptr<PartStore> parts;
  try {
    parts = std::make_unique<PartStore>(parts_dir_for(output), options.space);
  } catch (const PartsLocked& e) {
    throw Refused(e.what());
  }

  // Counts, flags and reasons of every clip; coefficients stay in the parts.
  std::vector<ClipFeatures> results(M);
  std::vector<bool> stored(M, false);
  std::vector<int> pending;
  for (std::size_t i = 0; i < M; ++i) {
    if (std::optional<ClipFeatures> part = parts->load(key_of(csv.clips[i]))) {
      results[i] = counts_only(std::move(*part));
      stored[i] = true;
      ++summary.reused;
    } else {
      pending.push_back(static_cast<int>(i));
    }
  }
  reporter.started(summary.clips, summary.reused, parts->dir());

  if (!pending.empty()) {
    const int workers = std::max(1, std::min<int>(options.jobs, static_cast<int>(pending.size())));
    // Loads the models before any clip: a missing model fails the run here
    // (leaving no empty work directory behind).
    std::vector<std::unique_ptr<ClipExtractor>> extractors;
    try {
      for (int w = 0; w < workers; ++w)
        extractors.push_back(std::make_unique<ClipExtractor>(options.model_dir, options.space, options.engine));
    } catch (...) {
      parts->remove_if_empty();
      throw;
    }
    // OpenCV's thread count is deliberately left alone. Its dnn layers split
    // work by cv::getNumThreads(), which changes the landmarks very slightly
    // (not visible at 1/100 px on a clip's first frame); the tracker's
    // frame-to-frame feedback grows that to ~1e-4 (measured:
    // cv::setNumThreads(1) moved the coefficients by up to 2.3e-4), so the
    // features would no longer be facelandmarks' on this machine. OpenCV's
    // TBB pool is shared by all workers, and a parallel_for_ started while
    // another worker's runs executes serially in the calling worker (OpenCV's
    // process-wide nesting flag), so workers do not oversubscribe the cores;
    // that serial path gives the same numbers (checked on the test clips:
    // --jobs 2 and --jobs 1 agree exactly, and equal facelandmarks' output).

    WorkQueue q;
    q.pending = &pending;
    q.running = workers;
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w)
      threads.emplace_back(worker, std::ref(*extractors[static_cast<std::size_t>(w)]), std::cref(csv),
                           std::cref(*parts), std::ref(q));

    int done = 0;
    for (;;) {
      std::deque<std::pair<int, ClipOutcome>> batch;
      bool all_stopped = false;
      {
        std::unique_lock<std::mutex> lock(q.mutex);
        q.changed.wait_for(lock, std::chrono::milliseconds(250),
                           [&] { return !q.finished.empty() || q.running == 0; });
        batch.swap(q.finished);
        all_stopped = q.running == 0;
      }
      for (auto& [row, outcome] : batch) {
        if (outcome.features.cancelled) continue;  // not finished: a re-run does it again
        results[static_cast<std::size_t>(row)] = outcome.features;
        stored[static_cast<std::size_t>(row)] = !outcome.features.error;
        reporter.clip_finished(outcome, ++done, static_cast<int>(pending.size()));
      }
      if (options.cancel && options.cancel->load() && !q.stop.load()) {
        q.stop = true;
        summary.interrupted = true;
      }
      if (all_stopped) break;
      reporter.tick();
    }
    for (std::thread& t : threads) t.join();
    if (q.failure) std::rethrow_exception(q.failure);
    if (summary.interrupted || done < static_cast<int>(pending.size())) {
      summary.interrupted = true;
      return summary;
    }
  }

  reporter.writing(output);
  std::vector<float> landmarks(M * kLandmarkValues, 0.0f), blendshapes(M * kBlendshapeValues, 0.0f);
  std::vector<std::int64_t> label(M), frames_total(M), frames_with_face(M);
  std::vector<std::int32_t> flagged(M), valid(M);
  std::vector<std::string> actual(M), video_id(M), file_path(M), reason(M);
  for (std::size_t i = 0; i < M; ++i) {
    const fer::DatasetClip& clip = csv.clips[i];
    const ClipFeatures& r = results[i];
    if (stored[i]) {
      const std::optional<ClipFeatures> part = parts->load(key_of(clip));
      if (!part)
        throw fer::Error("the result of " + clip.file_path + " (row " + std::to_string(i) +
                         ") changed on disk during the run (the clip or its part in " + parts->dir() +
                         "); run again to recompute it");
      std::copy(part->landmarks.begin(), part->landmarks.end(), landmarks.begin() + i * kLandmarkValues);
      std::copy(part->blendshapes.begin(), part->blendshapes.end(),
                blendshapes.begin() + i * kBlendshapeValues);
    }
    label[i] = clip.label;
    actual[i] = clip.label_name;
    video_id[i] = clip.video_id;
    file_path[i] = clip.file_path_as_written;
    frames_total[i] = r.frames_total;
    frames_with_face[i] = r.frames_with_face;
    flagged[i] = r.flagged ? 1 : 0;
    valid[i] = r.valid_coefficients;
    reason[i] = r.reason;
    summary.flagged += r.flagged;
    summary.errors += r.error;
  }

  fer::NpzWriterOptions npz_options;
  npz_options.overwrite = options.overwrite;
  fer::NpzWriter npz(output, npz_options);
  const std::size_t N = kCoefficients;
  npz.Add("landmarks", {M, N, static_cast<std::size_t>(fer::kFaceLandmarks), 3}, landmarks);
  npz.Add("blendshapes", {M, N, static_cast<std::size_t>(fer::kBlendshapeCount)}, blendshapes);
  npz.Add("label", {M}, label);
  npz.Add("actual", {M}, actual);
  npz.Add("video_id", {M}, video_id);
  npz.Add("file_path", {M}, file_path);
  npz.Add("frames_total", {M}, frames_total);
  npz.Add("frames_with_face", {M}, frames_with_face);
  npz.Add("flagged", {M}, flagged);
  npz.Add("valid_coefficients", {M}, valid);
  npz.Add("reason", {M}, reason);
  npz.Add("landmark_space", {}, std::vector<std::string>{fer::landmark_space_name(options.space)});
  if (options.shard) {
    std::vector<std::int64_t> rows;
    for (const fer::DatasetClip& clip : csv.clips) rows.push_back(clip.index);
    npz.Add("csv_row", {M}, rows);
    npz.Add("csv_records", {}, std::vector<std::int64_t>{options.shard->records});
    npz.Add("shard", {}, std::vector<std::string>{std::to_string(options.shard->index) + "/" +
                                                   std::to_string(options.shard->count)});
  }
  npz.Close();
  parts->remove();
  return summary;
}

}  // namespace fer_extract
