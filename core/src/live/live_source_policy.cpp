// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/live_source_policy.h"

#include <algorithm>
#include <mutex>
#include <string>

#include "fer/error.h"
#include "live/retry_backoff.h"

namespace fer {

using std::chrono::milliseconds;

struct LiveSourcePolicy::State {
  explicit State(const LiveSourcePolicyOptions& o)
      : options(o), backoff(milliseconds(o.retry_delay_ms), milliseconds(o.retry_max_delay_ms)) {}

  bool camera() const { return options.kind == LiveSourceKind::kCamera; }

  // Makes a loss pending; its reason is the first one given until TearDown().
  bool MarkLost(const std::string& reason) {
    if (!camera() || loss_pending || eos_requested) return false;
    loss_pending = true;
    loss_reason = reason;
    return true;
  }

  mutable std::mutex mutex;
  LiveSourcePolicyOptions options;
  RetryBackoff backoff;

  // Counts.
  bool connected = false;
  std::uint64_t frames_in = 0;
  std::uint64_t analysed = 0;
  std::uint64_t dropped = 0;
  unsigned reconnects = 0;
  bool eos_requested = false;

  // The open source and the watchdog.
  bool source_open = false;
  std::optional<TimePoint> last_frame;
  std::optional<TimePoint> attempt_started;

  // The outage.
  bool loss_pending = false;
  std::string loss_reason;
  std::optional<TimePoint> lost_since;    // its first loss; unset while none
  std::optional<TimePoint> next_attempt;  // unset: at once

  std::optional<TimePoint> next_stats;       // unset: not scheduled yet
  std::optional<TimePoint> file_wait_since;  // a file waiting for its first frame
};

std::unique_ptr<LiveSourcePolicy> LiveSourcePolicy::Create(const LiveSourcePolicyOptions& options) {
  if (options.retry_delay_ms == 0) throw Error("LiveSourcePolicy: retry_delay_ms must be at least 1 ms");
  return std::unique_ptr<LiveSourcePolicy>(new LiveSourcePolicy(std::make_unique<State>(options)));
}

LiveSourcePolicy::LiveSourcePolicy(std::unique_ptr<State> state) : state_(std::move(state)) {}

LiveSourcePolicy::~LiveSourcePolicy() = default;

LiveSourceAction LiveSourcePolicy::Tick(TimePoint now) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  const std::uint32_t timeout_ms = s.options.timeout_ms;
  const milliseconds timeout(timeout_ms);

  // A frame or an opening older than the timeout: the source stalled.
  if (s.camera() && s.source_open && s.attempt_started && timeout_ms > 0) {
    const TimePoint last_sign = s.last_frame ? std::max(*s.last_frame, *s.attempt_started) : *s.attempt_started;
    if (now - last_sign > timeout)
      s.MarkLost(s.connected ? "no frame for " + std::to_string(timeout_ms) + " ms"
                             : "no frame within " + std::to_string(timeout_ms) + " ms of opening");
  }

  // A file without a single frame: no camera to wait for, and the decoder
  // may have lost the demuxer's error. Once.
  if (!s.camera() && s.file_wait_since && timeout_ms > 0 && now - *s.file_wait_since > timeout &&
      s.frames_in == 0 && !s.eos_requested) {
    s.file_wait_since.reset();
    return LiveSourceAction::kFailFile;
  }

  if (s.loss_pending) return LiveSourceAction::kTearDown;
  if (s.camera() && !s.source_open && !s.eos_requested && (!s.next_attempt || now >= *s.next_attempt))
    return LiveSourceAction::kOpen;

  const std::uint32_t stats_ms = s.options.stats_interval_ms;
  if (stats_ms > 0 && (!s.next_stats || now >= *s.next_stats)) {
    const bool due = s.next_stats.has_value();
    s.next_stats = now + milliseconds(stats_ms);
    if (due) return LiveSourceAction::kPostStats;
  }
  return LiveSourceAction::kNone;
}

std::optional<SourceLoss> LiveSourcePolicy::TearDown(TimePoint now) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.loss_pending) return std::nullopt;
  SourceLoss loss;
  loss.reason = s.loss_reason;
  loss.was_connected = s.connected;
  loss.first_of_outage = !s.lost_since;
  loss.retry_in = s.backoff.Next();
  s.connected = false;
  s.loss_pending = false;
  s.source_open = false;
  if (loss.first_of_outage) s.lost_since = now;
  s.next_attempt = now + loss.retry_in;
  return loss;
}

void LiveSourcePolicy::OnOpening(TimePoint now) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.lost_since) ++s.reconnects;
  s.attempt_started = now;
  s.source_open = true;
}

void LiveSourcePolicy::OnOpenFailed() {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  s.source_open = false;
}

SourceFrame LiveSourcePolicy::OnFrame(TimePoint now) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  SourceFrame frame;
  s.last_frame = now;
  if (!s.connected) {
    s.connected = true;
    if (s.lost_since) {
      SourceRestored restored;
      restored.attempts = static_cast<unsigned>(s.backoff.attempts());
      restored.down = std::chrono::duration_cast<milliseconds>(now - *s.lost_since);
      frame.restored = restored;
    }
    s.lost_since.reset();
    s.backoff.Reset();
  }
  frame.sequence = s.frames_in++;
  return frame;
}

std::uint64_t LiveSourcePolicy::OnFrameOut(std::uint64_t sequence) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  const std::uint64_t analysed_before = s.analysed++;
  s.dropped = sequence - analysed_before;
  return s.dropped;
}

bool LiveSourcePolicy::OnSourceLost(const std::string& reason) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.MarkLost(reason);
}

LiveSourceEos LiveSourcePolicy::OnSourceEos() {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.eos_requested) return LiveSourceEos::kEndOfStream;
  if (!s.camera()) return LiveSourceEos::kEndOfFile;
  s.MarkLost("the stream ended");
  return LiveSourceEos::kSourceLost;
}

void LiveSourcePolicy::OnEosRequested() {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  s.eos_requested = true;
  s.loss_pending = false;  // ended: never reopen
}

void LiveSourcePolicy::OnStarted(TimePoint now) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.options.kind == LiveSourceKind::kFile) s.file_wait_since = now;
}

void LiveSourcePolicy::OnPlaying(TimePoint now) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.options.kind == LiveSourceKind::kPacedFile && s.frames_in == 0) s.file_wait_since = now;
}

void LiveSourcePolicy::OnPaused() {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.options.kind == LiveSourceKind::kPacedFile) s.file_wait_since.reset();
}

// The tolerance covers containers whose duration exceeds the video's
// (intact WebMs of the test media declare 1.6-1.7 % more frames than they
// hold; 200 kB of noise in franck.mp4 loses 5.8 %).
std::optional<FileShortfall> LiveSourcePolicy::CheckFileLength(std::chrono::nanoseconds duration, int fps_n,
                                                               int fps_d) const {
  if (fps_n <= 0 || fps_d <= 0 || duration.count() <= 0) return std::nullopt;
  // duration x fps_n / (fps_d s), rounded to nearest (half up), without
  // overflow: GStreamer's gst_util_uint64_scale_round.
  using u128 = unsigned __int128;
  const u128 denominator = static_cast<u128>(fps_d) * 1000000000u;
  const auto declared = static_cast<std::uint64_t>(
      (static_cast<u128>(duration.count()) * static_cast<u128>(fps_n) + denominator / 2) / denominator);
  const std::uint64_t frames = frames_in();
  const std::uint64_t tolerance = std::max<std::uint64_t>(declared * 3 / 100, 2);
  if (frames + tolerance >= declared) return std::nullopt;
  return FileShortfall{frames, declared};
}

void LiveSourcePolicy::set_timeout_ms(std::uint32_t timeout_ms) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->options.timeout_ms = timeout_ms;
}

void LiveSourcePolicy::set_stats_interval_ms(std::uint32_t stats_interval_ms) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->options.stats_interval_ms = stats_interval_ms;
}

std::uint32_t LiveSourcePolicy::timeout_ms() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->options.timeout_ms;
}

LiveSourceKind LiveSourcePolicy::kind() const {
  return state_->options.kind;  // never changes
}

bool LiveSourcePolicy::connected() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->connected;
}

std::uint64_t LiveSourcePolicy::frames_in() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->frames_in;
}

std::uint64_t LiveSourcePolicy::analysed() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->analysed;
}

std::uint64_t LiveSourcePolicy::dropped() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->dropped;
}

unsigned LiveSourcePolicy::reconnects() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->reconnects;
}

bool LiveSourcePolicy::eos_requested() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->eos_requested;
}

LiveSourceStats LiveSourcePolicy::stats() const {
  const State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  return LiveSourceStats{s.connected, s.frames_in, s.analysed, s.dropped, s.reconnects};
}

}  // namespace fer
