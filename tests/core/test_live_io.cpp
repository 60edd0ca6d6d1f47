// SPDX-License-Identifier: LGPL-2.1-or-later
// The core pieces of live sources: LineWriter (one JSON lines file shared by
// several streams), RetryBackoff, and the frame origin and event lines.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fer/error.h"
#include "fer/io/json_lines.h"
#include "fer/io/line_writer.h"
#include "live/retry_backoff.h"

namespace {

namespace fs = std::filesystem;

fs::path fresh_path(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("fer-live-io-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / name;
  fs::remove(path);
  return path;
}

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(LineWriter, WritersOfOnePathShareTheFileAndLinesNeverInterleave) {
  const fs::path path = fresh_path("shared.jsonl");
  auto a = fer::LineWriter::Create(path.string(), false);
  // Another spelling of the same file joins the open writer instead of
  // failing on "exists".
  auto b = fer::LineWriter::Create((path.parent_path() / "." / path.filename()).string(), false);
  EXPECT_EQ(a.get(), b.get());

  const std::string long_tail(5000, 'x');  // longer than stdio's buffer
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      auto& writer = (t % 2 ? a : b);
      for (int i = 0; i < 200; ++i) writer->WriteLine(std::to_string(t) + ":" + std::to_string(i) + ":" + long_tail);
    });
  for (auto& thread : threads) thread.join();
  a.reset();
  b.reset();

  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 800u);
  std::set<std::string> seen;
  for (const std::string& line : lines) {
    ASSERT_EQ(line.size() - line.rfind(':') - 1, long_tail.size()) << "interleaved line";
    seen.insert(line.substr(0, line.rfind(':')));
  }
  EXPECT_EQ(seen.size(), 800u);
}

TEST(LineWriter, ExistingFileIsKeptUnlessOverwrite) {
  const fs::path path = fresh_path("existing.jsonl");
  std::ofstream(path) << "keep me\n";
  EXPECT_THROW(fer::LineWriter::Create(path.string(), false), fer::FileExists);
  EXPECT_EQ(read_lines(path), std::vector<std::string>{"keep me"});
  {
    auto w = fer::LineWriter::Create(path.string(), true);
    w->WriteLine("new");
  }
  EXPECT_EQ(read_lines(path), std::vector<std::string>{"new"});
  // Closed by its last user: opening it again is "exists" again.
  EXPECT_THROW(fer::LineWriter::Create(path.string(), false), fer::FileExists);
}

TEST(LineWriter, UnwritablePathNamesIt) {
  try {
    fer::LineWriter::Create("/nonexistent-dir/faces.jsonl", false);
    FAIL() << "no error";
  } catch (const fer::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/faces.jsonl"), std::string::npos) << e.what();
  }
}

TEST(RetryBackoff, DoublesFromInitialUpToMaxAndResets) {
  using std::chrono::milliseconds;
  fer::RetryBackoff backoff(milliseconds(500), milliseconds(3000));
  std::vector<long> delays;
  for (int i = 0; i < 6; ++i) delays.push_back(backoff.Next().count());
  EXPECT_EQ(delays, (std::vector<long>{500, 1000, 2000, 3000, 3000, 3000}));
  EXPECT_EQ(backoff.attempts(), 6);
  backoff.Reset();
  EXPECT_EQ(backoff.attempts(), 0);
  EXPECT_EQ(backoff.Next().count(), 500);
}

TEST(JsonLinesLive, FrameOriginAddsSourceFirstAndDroppedAfterFrame) {
  fer::FrameFaces frame;
  frame.frame = 7;
  frame.pts = 1000;
  frame.width = 360;
  frame.height = 288;
  const fer::FrameOrigin origin{"door", 12};
  EXPECT_EQ(fer::to_json_line(frame, {}, &origin),
            R"({"source":"door","frame":7,"dropped":12,"pts":1000,"width":360,"height":288,"faces":[]})");
  EXPECT_EQ(fer::to_json_line(frame), R"({"frame":7,"pts":1000,"width":360,"height":288,"faces":[]})");
}

TEST(JsonLinesLive, EventLines) {
  fer::SourceEvent lost;
  lost.event = "source-lost";
  lost.source = "door";
  lost.time_us = 1795000000123456;  // 2026-11-18T11:06:40.123Z
  lost.frames_in = 240;
  lost.dropped = 3;
  lost.reason = "the stream ended";
  EXPECT_EQ(fer::to_json_line(lost),
            R"({"event":"source-lost","source":"door","time":"2026-11-18T11:06:40.123Z","frames_in":240,)"
            R"("dropped":3,"reason":"the stream ended"})");
  fer::SourceEvent restored = lost;
  restored.event = "source-restored";
  restored.reason.clear();
  restored.attempts = 4;
  restored.down_ms = 7597;
  const auto j = nlohmann::json::parse(fer::to_json_line(restored));
  EXPECT_EQ(j["attempts"], 4);
  EXPECT_EQ(j["down_ms"], 7597);
  EXPECT_FALSE(j.contains("reason"));
}

// Names and reasons come from outside (a property, a file name in an error
// message): bytes that are not UTF-8 become U+FFFD instead of an exception
// that loses the line.
TEST(JsonLinesLive, InvalidUtf8IsReplacedNotThrown_n) {
  fer::SourceEvent lost;
  lost.event = "source-lost";
  lost.source = "door\xff";
  lost.reason = "cannot open /data/caf\xe9.mp4";
  std::string line;
  ASSERT_NO_THROW(line = fer::to_json_line(lost));
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["source"], "door\xef\xbf\xbd");
  EXPECT_EQ(j["reason"], "cannot open /data/caf\xef\xbf\xbd.mp4");
  fer::FrameFaces frame;
  const fer::FrameOrigin origin{"cam\xc3", 0};
  ASSERT_NO_THROW(line = fer::to_json_line(frame, {}, &origin));
  EXPECT_EQ(nlohmann::json::parse(line)["source"], "cam\xef\xbf\xbd");
}

// Another element may send a time before 1970: still a valid timestamp
// (was "…:59.-1Z"), found by reading the code the source-event fuzzer covers.
TEST(JsonLinesLive, TimeBefore1970_n) {
  fer::SourceEvent e;
  e.event = "source-lost";
  e.time_us = -1000;
  EXPECT_EQ(nlohmann::json::parse(fer::to_json_line(e))["time"], "1969-12-31T23:59:59.999Z");
  e.time_us = std::numeric_limits<std::int64_t>::min();  // no overflow (UBSan aborts on one)
  EXPECT_TRUE(nlohmann::json::parse(fer::to_json_line(e)).is_object());  // throws if not JSON
}

}  // namespace
