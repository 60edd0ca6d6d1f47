// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::LiveSourcePolicy, livesource's decisions, on a fake clock: time is
// milliseconds of test time given to each call, so nothing sleeps. Backoff,
// the stall watchdog and its boundary, outages and recoveries, the file
// checks, the drop accounting and the stats cadence.
#include "fer/live_source_policy.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "fer/error.h"

namespace {

using fer::LiveSourceAction;
using fer::LiveSourceEos;
using fer::LiveSourceKind;
using fer::LiveSourcePolicy;
using fer::LiveSourcePolicyOptions;
using std::chrono::milliseconds;

// The instant `ms` milliseconds into the test.
LiveSourcePolicy::TimePoint at(std::int64_t ms) { return LiveSourcePolicy::TimePoint{} + milliseconds(ms); }

LiveSourcePolicyOptions camera(std::uint32_t stats_interval_ms = 0) {
  LiveSourcePolicyOptions options;
  options.kind = LiveSourceKind::kCamera;
  options.stats_interval_ms = stats_interval_ms;  // 0: ticks answer only what the tests look at
  return options;
}

LiveSourcePolicyOptions file(LiveSourceKind kind = LiveSourceKind::kFile) {
  LiveSourcePolicyOptions options;
  options.kind = kind;
  options.stats_interval_ms = 0;
  return options;
}

// Opens the camera at `t` as the supervisor would (Tick says kOpen).
void open_at(LiveSourcePolicy& policy, std::int64_t t) {
  ASSERT_EQ(policy.Tick(at(t)), LiveSourceAction::kOpen) << "at " << t << " ms";
  policy.OnOpening(at(t));
}

// Reports a loss at `t` and commits it: the wait before the next attempt.
fer::SourceLoss lose_at(LiveSourcePolicy& policy, std::int64_t t, const std::string& reason = "refused") {
  policy.OnSourceLost(reason);
  EXPECT_EQ(policy.Tick(at(t)), LiveSourceAction::kTearDown) << "at " << t << " ms";
  const auto loss = policy.TearDown(at(t));
  EXPECT_TRUE(loss.has_value());
  return loss.value_or(fer::SourceLoss{});
}

TEST(LiveSourcePolicy, DefaultsAreTheElementsPropertyDefaults) {
  const LiveSourcePolicyOptions options;
  EXPECT_EQ(options.kind, LiveSourceKind::kCamera);
  EXPECT_EQ(options.timeout_ms, 5000u);
  EXPECT_EQ(options.retry_delay_ms, 500u);
  EXPECT_EQ(options.retry_max_delay_ms, 8000u);
  EXPECT_EQ(options.stats_interval_ms, 1000u);
}

TEST(LiveSourcePolicy, CreateRefusesAZeroRetryDelay) {
  LiveSourcePolicyOptions options;
  options.retry_delay_ms = 0;
  EXPECT_THROW(LiveSourcePolicy::Create(options), fer::Error);
}

TEST(LiveSourcePolicy, CameraDownAtStartIsRetriedWithDoublingDelaysUpToTheMax) {
  auto policy = LiveSourcePolicy::Create(camera());
  open_at(*policy, 0);  // the first opening is immediate
  EXPECT_EQ(policy->reconnects(), 0u) << "the opening at start is no reconnection";

  std::int64_t t = 20;
  std::vector<std::int64_t> waits;
  for (int attempt = 0; attempt < 7; ++attempt) {
    const fer::SourceLoss loss = lose_at(*policy, t);
    EXPECT_EQ(loss.first_of_outage, attempt == 0) << attempt;
    EXPECT_FALSE(loss.was_connected);
    EXPECT_EQ(loss.reason, "refused");
    waits.push_back(loss.retry_in.count());
    // Not due a millisecond early; due at the delay.
    EXPECT_EQ(policy->Tick(at(t + loss.retry_in.count() - 1)), LiveSourceAction::kNone);
    t += loss.retry_in.count();
    open_at(*policy, t);
    EXPECT_EQ(policy->reconnects(), static_cast<unsigned>(attempt + 1));
    t += 30;
  }
  EXPECT_EQ(waits, (std::vector<std::int64_t>{500, 1000, 2000, 4000, 8000, 8000, 8000}));
}

TEST(LiveSourcePolicy, TickCommitsNothingUntilTearDown) {
  auto policy = LiveSourcePolicy::Create(camera());
  open_at(*policy, 0);
  policy->OnFrame(at(10));
  ASSERT_TRUE(policy->OnSourceLost("Could not read from resource."));
  // The supervisor could not take its lock: it ticks again later.
  EXPECT_EQ(policy->Tick(at(20)), LiveSourceAction::kTearDown);
  EXPECT_EQ(policy->Tick(at(70)), LiveSourceAction::kTearDown);
  EXPECT_TRUE(policy->connected());
  const auto loss = policy->TearDown(at(120));
  ASSERT_TRUE(loss);
  EXPECT_TRUE(loss->was_connected);
  EXPECT_TRUE(loss->first_of_outage);
  EXPECT_FALSE(policy->connected());
  EXPECT_FALSE(policy->TearDown(at(121))) << "committed once";
  // The delay runs from the teardown.
  EXPECT_EQ(policy->Tick(at(619)), LiveSourceAction::kNone);
  EXPECT_EQ(policy->Tick(at(620)), LiveSourceAction::kOpen);
}

TEST(LiveSourcePolicy, OneLossPendingAtATimeKeepsTheFirstReason) {
  auto policy = LiveSourcePolicy::Create(camera());
  open_at(*policy, 0);
  EXPECT_TRUE(policy->OnSourceLost("first"));
  EXPECT_FALSE(policy->OnSourceLost("second"));
  EXPECT_EQ(policy->OnSourceEos(), LiveSourceEos::kSourceLost) << "a camera's EOS is dropped all the same";
  ASSERT_EQ(policy->Tick(at(5)), LiveSourceAction::kTearDown);
  EXPECT_EQ(policy->TearDown(at(5))->reason, "first");
}

TEST(LiveSourcePolicy, CameraEndOfStreamIsALoss) {
  auto policy = LiveSourcePolicy::Create(camera());
  open_at(*policy, 0);
  policy->OnFrame(at(40));
  EXPECT_EQ(policy->OnSourceEos(), LiveSourceEos::kSourceLost);
  ASSERT_EQ(policy->Tick(at(50)), LiveSourceAction::kTearDown);
  EXPECT_EQ(policy->TearDown(at(50))->reason, "the stream ended");
}

TEST(LiveSourcePolicy, AFrameEndsTheOutageWithAttemptsAndDownTimeAndResetsTheBackoff) {
  auto policy = LiveSourcePolicy::Create(camera());
  open_at(*policy, 0);
  const fer::SourceFrame first = policy->OnFrame(at(100));
  EXPECT_EQ(first.sequence, 0u);
  EXPECT_FALSE(first.restored) << "the first frame at start ends no outage";
  EXPECT_TRUE(policy->connected());
  policy->OnFrame(at(140));

  // Lost at 1000; three attempts (at 1500, 2500, 4500); back at 4620.
  EXPECT_EQ(lose_at(*policy, 1000).retry_in, milliseconds(500));
  open_at(*policy, 1500);
  EXPECT_EQ(lose_at(*policy, 1510).retry_in, milliseconds(1000));
  open_at(*policy, 2510);
  EXPECT_EQ(lose_at(*policy, 2520).retry_in, milliseconds(2000));
  open_at(*policy, 4520);
  EXPECT_FALSE(policy->connected());
  const fer::SourceFrame back = policy->OnFrame(at(4620));
  ASSERT_TRUE(back.restored);
  EXPECT_EQ(back.restored->attempts, 3u);
  EXPECT_EQ(back.restored->down, milliseconds(3620)) << "from the outage's first loss";
  EXPECT_EQ(back.sequence, 2u) << "frames are numbered across reconnections";
  EXPECT_TRUE(policy->connected());
  EXPECT_EQ(policy->reconnects(), 3u);
  EXPECT_FALSE(policy->OnFrame(at(4660)).restored) << "once per outage";

  // The next outage starts over: reported, and from retry_delay_ms.
  const fer::SourceLoss next = lose_at(*policy, 9000);
  EXPECT_TRUE(next.first_of_outage);
  EXPECT_TRUE(next.was_connected);
  EXPECT_EQ(next.retry_in, milliseconds(500));
}

TEST(LiveSourcePolicy, StallIsDetectedStrictlyAfterTimeoutSinceTheLastFrame) {
  auto policy = LiveSourcePolicy::Create(camera());
  open_at(*policy, 0);
  policy->OnFrame(at(100));
  policy->OnFrame(at(1000));
  for (std::int64_t t = 1000; t <= 6000; t += 50)
    ASSERT_EQ(policy->Tick(at(t)), LiveSourceAction::kNone) << "no stall at " << t << " ms";
  EXPECT_EQ(policy->Tick(at(6001)), LiveSourceAction::kTearDown);
  const auto loss = policy->TearDown(at(6001));
  ASSERT_TRUE(loss);
  EXPECT_EQ(loss->reason, "no frame for 5000 ms");
  EXPECT_TRUE(loss->was_connected);
}

TEST(LiveSourcePolicy, NoFrameWithinTimeoutOfOpeningIsAStall) {
  auto policy = LiveSourcePolicy::Create(camera());
  open_at(*policy, 200);
  EXPECT_EQ(policy->Tick(at(5200)), LiveSourceAction::kNone);
  EXPECT_EQ(policy->Tick(at(5201)), LiveSourceAction::kTearDown);
  EXPECT_EQ(policy->TearDown(at(5201))->reason, "no frame within 5000 ms of opening");

  // Each opening restarts the watchdog.
  open_at(*policy, 5701);
  EXPECT_EQ(policy->Tick(at(10701)), LiveSourceAction::kNone);
  EXPECT_EQ(policy->Tick(at(10702)), LiveSourceAction::kTearDown);
}

TEST(LiveSourcePolicy, WatchdogRunsOnlyWhileASourceIsOpenAndNeverWithTimeoutZero) {
  auto policy = LiveSourcePolicy::Create(camera());
  open_at(*policy, 0);
  lose_at(*policy, 10);
  // Torn down: waiting for the next attempt is no stall, however long.
  policy->set_timeout_ms(100);
  EXPECT_EQ(policy->Tick(at(509)), LiveSourceAction::kNone);

  auto forever = LiveSourcePolicy::Create([] {
    auto o = camera();
    o.timeout_ms = 0;
    return o;
  }());
  open_at(*forever, 0);
  EXPECT_EQ(forever->Tick(at(3'600'000)), LiveSourceAction::kNone);
}

TEST(LiveSourcePolicy, TimeoutCanChangeWhileRunning) {
  auto policy = LiveSourcePolicy::Create(camera());
  open_at(*policy, 0);
  policy->OnFrame(at(0));
  EXPECT_EQ(policy->Tick(at(1001)), LiveSourceAction::kNone);
  policy->set_timeout_ms(1000);
  EXPECT_EQ(policy->timeout_ms(), 1000u);
  EXPECT_EQ(policy->Tick(at(1001)), LiveSourceAction::kTearDown);
  EXPECT_EQ(policy->TearDown(at(1001))->reason, "no frame for 1000 ms");
}

TEST(LiveSourcePolicy, OpeningThatCouldNotBeBuiltIsDueAgainAtOnce) {
  auto policy = LiveSourcePolicy::Create(camera());
  open_at(*policy, 0);
  policy->OnOpenFailed();
  EXPECT_EQ(policy->Tick(at(1)), LiveSourceAction::kOpen);
}

TEST(LiveSourcePolicy, AfterEosRequestedNothingIsLostOrReopened) {
  auto policy = LiveSourcePolicy::Create(camera());
  open_at(*policy, 0);
  ASSERT_TRUE(policy->OnSourceLost("gone"));
  policy->OnEosRequested();
  EXPECT_TRUE(policy->eos_requested());
  EXPECT_EQ(policy->Tick(at(10)), LiveSourceAction::kNone) << "the pending loss is dropped";
  EXPECT_FALSE(policy->TearDown(at(10)));
  EXPECT_FALSE(policy->OnSourceLost("later"));
  EXPECT_EQ(policy->OnSourceEos(), LiveSourceEos::kEndOfStream);
  EXPECT_EQ(policy->Tick(at(60'000)), LiveSourceAction::kNone) << "no stall either";

  // Between attempts: no reopening.
  auto away = LiveSourcePolicy::Create(camera());
  open_at(*away, 0);
  lose_at(*away, 10);
  away->OnEosRequested();
  EXPECT_EQ(away->Tick(at(10'000)), LiveSourceAction::kNone);
}

TEST(LiveSourcePolicy, FileWithoutAFrameFailsOnceStrictlyAfterTimeout) {
  auto policy = LiveSourcePolicy::Create(file());
  EXPECT_EQ(policy->Tick(at(0)), LiveSourceAction::kNone) << "a file is never opened by the policy";
  policy->OnStarted(at(100));
  EXPECT_EQ(policy->Tick(at(5100)), LiveSourceAction::kNone);
  EXPECT_EQ(policy->Tick(at(5101)), LiveSourceAction::kFailFile);
  EXPECT_EQ(policy->Tick(at(5151)), LiveSourceAction::kNone) << "once";
  EXPECT_EQ(policy->Tick(at(99'999)), LiveSourceAction::kNone);
}

TEST(LiveSourcePolicy, FileWithAFrameOrEndedOrTimeoutZeroDoesNotFail) {
  auto with_frame = LiveSourcePolicy::Create(file());
  with_frame->OnStarted(at(0));
  with_frame->OnFrame(at(4000));
  EXPECT_EQ(with_frame->Tick(at(20'000)), LiveSourceAction::kNone);

  auto ended = LiveSourcePolicy::Create(file());
  ended->OnStarted(at(0));
  ended->OnEosRequested();
  EXPECT_EQ(ended->Tick(at(20'000)), LiveSourceAction::kNone);

  auto never = LiveSourcePolicy::Create([] {
    auto o = file();
    o.timeout_ms = 0;
    return o;
  }());
  never->OnStarted(at(0));
  EXPECT_EQ(never->Tick(at(20'000)), LiveSourceAction::kNone);
}

TEST(LiveSourcePolicy, PacedFileWaitsForItsFirstFrameOnlyWhilePlaying) {
  auto policy = LiveSourcePolicy::Create(file(LiveSourceKind::kPacedFile));
  policy->OnStarted(at(0));  // prerolls only when playing
  EXPECT_EQ(policy->Tick(at(10'000)), LiveSourceAction::kNone);
  policy->OnPlaying(at(10'000));
  policy->OnPaused();
  EXPECT_EQ(policy->Tick(at(20'000)), LiveSourceAction::kNone) << "paused: not waiting";
  policy->OnPlaying(at(20'000));
  EXPECT_EQ(policy->Tick(at(25'000)), LiveSourceAction::kNone);
  EXPECT_EQ(policy->Tick(at(25'001)), LiveSourceAction::kFailFile);

  auto playing_again = LiveSourcePolicy::Create(file(LiveSourceKind::kPacedFile));
  playing_again->OnPlaying(at(0));
  playing_again->OnFrame(at(40));
  playing_again->OnPaused();
  playing_again->OnPlaying(at(1000));
  EXPECT_EQ(playing_again->Tick(at(60'000)), LiveSourceAction::kNone) << "had its frame";
}

TEST(LiveSourcePolicy, FileErrorsAndEndAreNotLosses) {
  auto policy = LiveSourcePolicy::Create(file());
  policy->OnStarted(at(0));
  policy->OnFrame(at(10));
  EXPECT_FALSE(policy->OnSourceLost("Internal data stream error."));
  EXPECT_EQ(policy->OnSourceEos(), LiveSourceEos::kEndOfFile);
  EXPECT_EQ(policy->Tick(at(20)), LiveSourceAction::kNone);
}

TEST(LiveSourcePolicy, FileLengthCheckAllowsThreePercentAndAtLeastTwoFrames) {
  using std::chrono::nanoseconds;
  using std::chrono::seconds;
  auto feed = [](std::uint64_t frames) {
    auto policy = LiveSourcePolicy::Create(file());
    for (std::uint64_t i = 0; i < frames; ++i) policy->OnFrame(at(static_cast<std::int64_t>(i)));
    return policy;
  };
  // franck.mp4 with 200 kB of noise: 4522 of 4800 frames (200 s at 24 fps).
  const auto damaged = feed(4522)->CheckFileLength(seconds(200), 24, 1);
  ASSERT_TRUE(damaged);
  EXPECT_EQ(damaged->frames, 4522u);
  EXPECT_EQ(damaged->declared, 4800u);
  // 3 % of 4800 = 144 frames may be missing, not 145.
  EXPECT_FALSE(feed(4656)->CheckFileLength(seconds(200), 24, 1));
  EXPECT_TRUE(feed(4655)->CheckFileLength(seconds(200), 24, 1));
  // Short files: at least 2 frames of slack.
  EXPECT_FALSE(feed(8)->CheckFileLength(seconds(2), 5, 1));
  EXPECT_TRUE(feed(7)->CheckFileLength(seconds(2), 5, 1));
  // Declared frames are rounded to nearest (half up): 1.02 s at 25 fps is 25.5 -> 26.
  EXPECT_EQ(feed(0)->CheckFileLength(nanoseconds(1'020'000'000), 25, 1)->declared, 26u);
  // 30000/1001 fps for an hour: no overflow on the way.
  EXPECT_EQ(feed(0)->CheckFileLength(seconds(3600), 30000, 1001)->declared, 107892u);
  // Unknown duration or rate: nothing to compare.
  EXPECT_FALSE(feed(0)->CheckFileLength(nanoseconds(-1), 25, 1));
  EXPECT_FALSE(feed(0)->CheckFileLength(seconds(10), 0, 1));
  EXPECT_FALSE(feed(0)->CheckFileLength(seconds(10), 25, 0));
}

TEST(LiveSourcePolicy, DropsAreTheSequenceNumbersThatNeverCameOut) {
  auto policy = LiveSourcePolicy::Create(file(LiveSourceKind::kPacedFile));
  std::vector<std::uint64_t> sequences;
  for (int i = 0; i < 10; ++i) sequences.push_back(policy->OnFrame(at(40 * i)).sequence);
  EXPECT_EQ(sequences, (std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(policy->frames_in(), 10u);
  // The leaky queue let 0, 3, 4 and 9 through.
  EXPECT_EQ(policy->OnFrameOut(0), 0u);
  EXPECT_EQ(policy->OnFrameOut(3), 2u);
  EXPECT_EQ(policy->OnFrameOut(4), 2u);
  EXPECT_EQ(policy->OnFrameOut(9), 6u);
  EXPECT_EQ(policy->analysed(), 4u);
  EXPECT_EQ(policy->dropped(), 6u);
  EXPECT_EQ(policy->frames_in(), policy->analysed() + policy->dropped()) << "all frames have left";
  const fer::LiveSourceStats stats = policy->stats();
  EXPECT_TRUE(stats.connected);
  EXPECT_EQ(stats.frames_in, 10u);
  EXPECT_EQ(stats.analysed, 4u);
  EXPECT_EQ(stats.dropped, 6u);
  EXPECT_EQ(stats.reconnects, 0u);
}

TEST(LiveSourcePolicy, CountsRunOnAcrossAnOutage) {
  auto policy = LiveSourcePolicy::Create(camera());
  open_at(*policy, 0);
  for (int i = 0; i < 5; ++i) policy->OnFrame(at(10 * i));
  policy->OnFrameOut(0);
  policy->OnFrameOut(4);
  lose_at(*policy, 100);
  open_at(*policy, 600);
  const fer::SourceFrame back = policy->OnFrame(at(700));
  EXPECT_EQ(back.sequence, 5u);
  EXPECT_EQ(policy->OnFrameOut(5), 3u);
  EXPECT_EQ(policy->dropped(), 3u);
}

TEST(LiveSourcePolicy, StatsEveryIntervalFromTheFirstTick) {
  auto o = file();
  o.stats_interval_ms = 1000;
  auto policy = LiveSourcePolicy::Create(o);
  std::vector<std::int64_t> posted;
  for (std::int64_t t = 300; t <= 5300; t += 50)
    if (policy->Tick(at(t)) == LiveSourceAction::kPostStats) posted.push_back(t);
  EXPECT_EQ(posted, (std::vector<std::int64_t>{1300, 2300, 3300, 4300, 5300}));

  // 0 stops them; set again, the one that was due comes at once.
  policy->set_stats_interval_ms(0);
  EXPECT_EQ(policy->Tick(at(9000)), LiveSourceAction::kNone);
  policy->set_stats_interval_ms(500);
  EXPECT_EQ(policy->Tick(at(9050)), LiveSourceAction::kPostStats);
  EXPECT_EQ(policy->Tick(at(9549)), LiveSourceAction::kNone);
  EXPECT_EQ(policy->Tick(at(9550)), LiveSourceAction::kPostStats);
}

TEST(LiveSourcePolicy, StatsWaitWhileTheSourceIsTornDownOrOpened) {
  auto policy = LiveSourcePolicy::Create(camera(1000));
  EXPECT_EQ(policy->Tick(at(0)), LiveSourceAction::kOpen) << "opening comes first, no stats scheduled";
  policy->OnOpening(at(0));
  EXPECT_EQ(policy->Tick(at(0)), LiveSourceAction::kNone) << "schedules the first stats";
  policy->OnSourceLost("refused");
  EXPECT_EQ(policy->Tick(at(1000)), LiveSourceAction::kTearDown);
  policy->TearDown(at(1000));
  EXPECT_EQ(policy->Tick(at(1000)), LiveSourceAction::kPostStats) << "due since 1000, posted after the teardown";
}

TEST(LiveSourcePolicy, EventsFromSeveralThreadsAreCountedExactly) {
  auto policy = LiveSourcePolicy::Create(file(LiveSourceKind::kPacedFile));
  constexpr int kFrames = 20000;
  std::thread in([&] {
    for (int i = 0; i < kFrames; ++i) policy->OnFrame(at(i));
  });
  std::thread ticks([&] {
    for (int i = 0; i < kFrames / 10; ++i) policy->Tick(at(i));
  });
  in.join();
  ticks.join();
  for (std::uint64_t s = 0; s < kFrames; s += 2) policy->OnFrameOut(s);
  EXPECT_EQ(policy->frames_in(), static_cast<std::uint64_t>(kFrames));
  EXPECT_EQ(policy->analysed(), static_cast<std::uint64_t>(kFrames / 2));
  EXPECT_EQ(policy->dropped(), static_cast<std::uint64_t>(kFrames / 2 - 1));
}

}  // namespace
