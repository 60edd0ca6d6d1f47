// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::LiveSourcePolicy — what a video source that must keep going does
// when its camera stalls, fails or comes back, and the count of its frames:
// the decisions of the livesource element, without GStreamer.
//
// WHAT THIS DOES
//   It decides; the caller acts. The caller feeds it events and the time and
//   does what it answers (livesource: tears down and builds uridecodebin,
//   stamps frames, pushes events, posts messages):
//
//     auto policy = fer::LiveSourcePolicy::Create(options);
//     streaming threads:  OnFrame(now)        a frame from the source: its
//                                              sequence; after an outage,
//                                              attempts and down time
//                         OnFrameOut(sequence) a frame leaves for the
//                                              analytics: frames dropped so far
//                         OnSourceLost(reason) an error of the source
//                         OnSourceEos()        the source's end of stream
//     application:        OnEosRequested()     the stream is to end
//     state changes:      OnStarted(now), OnPlaying(now), OnPaused()
//     supervisor thread:  Tick(now)            every 50 ms or when woken:
//       kTearDown  -> TearDown(now): why, whether the outage starts here,
//                     the wait before the next attempt; close the source
//       kOpen      -> OnOpening(now); open the source (OnOpenFailed() if it
//                     cannot even be built)
//       kFailFile  -> a file gave no frame within timeout_ms: post an error
//       kPostStats -> post stats()
//
//   Time is an argument (steady clock), never read here: tests drive it
//   with a fake clock.
//
//   kCamera (anything but a file): the source is lost on an error, on its
//   end of stream, when no frame came for more than timeout_ms since the
//   last one, or none within more than timeout_ms of opening (the
//   watchdog runs only while a source is open, and never with timeout_ms
//   0). Tick() then answers kTearDown. The wait before the next attempt
//   is retry_delay_ms, doubled after each attempt that gave no frame, at
//   most retry_max_delay_ms; the first opening at start is immediate. An
//   outage runs from its first loss to the next frame; its first loss
//   starts it (first_of_outage), each later loss is a failed attempt.
//   The first frame after an outage ends it: OnFrame() reports the
//   attempts it took and the time from its first loss, and the delay goes
//   back to retry_delay_ms. reconnects() counts every opening during an
//   outage. After OnEosRequested() nothing is lost or reopened any more.
//
//   kFile / kPacedFile: never reopened; an error or end of stream is the
//   end. A file that has given no frame more than timeout_ms after it
//   started waiting (OnStarted() for kFile, OnPlaying() for kPacedFile;
//   OnPaused() stops a paced file's wait) gets one kFailFile: decoders can
//   lose a truncated file's error and wait for ever. CheckFileLength() at
//   the end of a file compares the frames received with those its
//   container declares.
//
//   Frames: each frame from the source gets a sequence number, its 0-based
//   index among all frames received since Create() (across reconnections);
//   frames_in() is the next one. A frame that leaves for the analytics
//   brings analysed() up by one and sets dropped() to its sequence minus
//   the frames that left before it: every index that never came out was
//   dropped (by a leaky queue, say). So for each frame out,
//   sequence + 1 = analysed() + dropped(), and frames_in() = analysed() +
//   dropped() once all frames have left.
//
//   Stats: Tick() answers kPostStats every stats_interval_ms, the first one
//   interval after the first Tick() with stats_interval_ms > 0; none while
//   it is 0. A Tick() that answers kTearDown, kOpen or kFailFile posts
//   nothing; the stats are due again at the next one.
//
// OPTIONS (defaults in brackets)
//   kind                [kCamera]  kCamera, kFile or kPacedFile
//   timeout_ms          [5000]     watchdog and file wait; 0 = never
//   retry_delay_ms      [500]      wait before the first attempt (>= 1)
//   retry_max_delay_ms  [8000]     longest wait (below retry_delay_ms:
//                                  retry_delay_ms)
//   stats_interval_ms   [1000]     0 = no stats
//   timeout_ms and stats_interval_ms can be changed at any time
//   (set_timeout_ms, set_stats_interval_ms).
//
// ENSURES
//   Create() throws fer::Error for retry_delay_ms 0.
//   Tick() answers at most one action and commits nothing for kTearDown and
//   kOpen: the caller may not be able to act now (livesource needs its
//   state lock) and then simply ticks again. TearDown() commits the loss
//   (returns nothing if none is pending any more, e.g. after
//   OnEosRequested()).
//   One loss is pending at a time: the reason kept is the first one; losses
//   reported while one is pending, after OnEosRequested(), or by a file
//   are ignored (OnSourceLost() returns false).
//   The stall condition is strict: a frame at t, no stall at
//   t + timeout_ms, a stall at any later Tick().
//
// THREAD SAFETY
//   Every method may be called from any thread at any time: each one takes
//   the instance's mutex for a few field updates and never calls out or
//   blocks otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace fer {

enum class LiveSourceKind {
  kCamera,     // lost sources are reopened
  kFile,       // read at the reader's pace; never reopened
  kPacedFile,  // a file played at its frame rate as a camera would deliver it
};

struct LiveSourcePolicyOptions {
  LiveSourceKind kind = LiveSourceKind::kCamera;
  std::uint32_t timeout_ms = 5000;
  std::uint32_t retry_delay_ms = 500;
  std::uint32_t retry_max_delay_ms = 8000;
  std::uint32_t stats_interval_ms = 1000;
};

// What the supervisor is to do now (Tick()).
enum class LiveSourceAction {
  kNone,       // nothing: wait for the next tick
  kTearDown,   // a loss is pending: call TearDown() and close the source
  kOpen,       // time to (re)open the source: OnOpening(), then open it
  kFailFile,   // a file gave no frame within timeout_ms: report the error
  kPostStats,  // post stats()
};

// What the source's end of stream means (OnSourceEos()).
enum class LiveSourceEos {
  kEndOfStream,  // the application asked for it: pass it on
  kEndOfFile,    // a file ended: pass it on, CheckFileLength()
  kSourceLost,   // a camera went away: drop it; a loss is pending
};

// A loss committed by TearDown().
struct SourceLoss {
  std::string reason;                        // e.g. "no frame for 5000 ms"
  bool was_connected = false;                // frames were arriving until now
  bool first_of_outage = false;              // the outage starts here
  std::chrono::milliseconds retry_in{0};     // wait before the next attempt
};

// The end of an outage, reported with its first frame.
struct SourceRestored {
  unsigned attempts = 0;                     // reopenings the outage took
  std::chrono::milliseconds down{0};         // from its first loss to now
};

// A frame from the source (OnFrame()).
struct SourceFrame {
  std::uint64_t sequence = 0;                // index among frames received
  std::optional<SourceRestored> restored;    // first frame after an outage
};

// A file that ended with fewer frames than it declares (CheckFileLength()).
struct FileShortfall {
  std::uint64_t frames = 0;                  // received
  std::uint64_t declared = 0;                // duration x frame rate, rounded
};

struct LiveSourceStats {
  bool connected = false;
  std::uint64_t frames_in = 0;
  std::uint64_t analysed = 0;
  std::uint64_t dropped = 0;
  unsigned reconnects = 0;
};

class LiveSourcePolicy {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;

  static std::unique_ptr<LiveSourcePolicy> Create(const LiveSourcePolicyOptions& options = {});
  ~LiveSourcePolicy();
  LiveSourcePolicy(const LiveSourcePolicy&) = delete;
  LiveSourcePolicy& operator=(const LiveSourcePolicy&) = delete;

  // --- The supervisor -----------------------------------------------------
  // Runs the watchdogs and says what to do now (see WHAT THIS DOES).
  LiveSourceAction Tick(TimePoint now);
  // Commits the pending loss: the source is closed, `connected` false, the
  // next attempt due retry_in from now. Nothing if no loss is pending.
  std::optional<SourceLoss> TearDown(TimePoint now);
  // A source is being opened now (counted in reconnects() during an
  // outage); the watchdog runs from now.
  void OnOpening(TimePoint now);
  // The source opened by OnOpening() could not be built: none is open, and
  // the opening is due again at the next Tick().
  void OnOpenFailed();

  // --- Events -------------------------------------------------------------
  SourceFrame OnFrame(TimePoint now);
  // A frame of `sequence` left for the analytics; returns dropped().
  std::uint64_t OnFrameOut(std::uint64_t sequence);
  // A camera's error (or a source that could not be started): true if this
  // makes a loss pending (wake the supervisor), false if ignored.
  bool OnSourceLost(const std::string& reason);
  LiveSourceEos OnSourceEos();
  void OnEosRequested();
  // The element started (READY -> PAUSED): a kFile starts waiting for its
  // first frame.
  void OnStarted(TimePoint now);
  // Playing: a kPacedFile that has had no frame yet starts waiting for it.
  void OnPlaying(TimePoint now);
  // Paused again: a kPacedFile stops waiting.
  void OnPaused();
  // At a file's end, given what its container declares (duration, frame
  // rate fps_n/fps_d): the shortfall if more than 3 % (at least 2) of the
  // declared frames are missing; nothing if the file is complete enough or
  // the duration or rate is unknown (<= 0).
  std::optional<FileShortfall> CheckFileLength(std::chrono::nanoseconds duration, int fps_n,
                                               int fps_d) const;

  // --- Settings and counts ------------------------------------------------
  void set_timeout_ms(std::uint32_t timeout_ms);
  void set_stats_interval_ms(std::uint32_t stats_interval_ms);
  std::uint32_t timeout_ms() const;
  LiveSourceKind kind() const;
  bool connected() const;        // frames are arriving
  std::uint64_t frames_in() const;
  std::uint64_t analysed() const;
  std::uint64_t dropped() const;
  unsigned reconnects() const;
  bool eos_requested() const;
  LiveSourceStats stats() const;  // all counts at one instant

 private:
  struct State;
  explicit LiveSourcePolicy(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace fer
