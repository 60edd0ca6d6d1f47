// SPDX-License-Identifier: LGPL-2.1-or-later
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "fer/error.h"
#include "fer/io/npz_reader.h"
#include "fer/io/npz_writer.h"

namespace fs = std::filesystem;

namespace {

// Debian's interpreter: the python3 first on PATH may lack numpy.
constexpr const char* kPython = "/usr/bin/python3";

// Builds the arrays numpy must read back; the script below recomputes them.
void write_all_kinds(const std::string& path, const fer::NpzWriterOptions& options) {
  fer::NpzWriter npz(path, options);
  npz.Add("matrix", {2, 3}, std::vector<float>{0.5f, -1.25f, 3.0f, 1e-7f, -0.0f, 65504.0f});
  const std::size_t M = 2;
  std::vector<float> landmarks(M * 10 * 478 * 3);
  for (std::size_t i = 0; i < landmarks.size(); ++i) landmarks[i] = static_cast<float>(i) * 0.25f;
  npz.Add("landmarks", {M, 10, 478, 3}, landmarks);
  npz.Add("blendshapes", {0, 10, 52}, std::vector<float>{});
  npz.Add("scalar", {}, std::vector<float>{42.0f});
  npz.Add("labels", {4}, std::vector<std::int32_t>{1, -2, 7, 2147483647});
  npz.Add("frames", {2, 2},
          std::vector<std::int64_t>{0, -1, std::int64_t{1} << 40, INT64_MIN});
  npz.Add("names", {5},
          std::vector<std::string>{"happy", "\xc3\xa4ngstlich" /* ängstlich */,
                                   "\xe6\x82\xb2\xe3\x81\x97\xe3\x81\x84" /* 悲しい */,
                                   "\xf0\x9f\x98\x80 x" /* U+1F600 */, ""});
  npz.Add("paths", {2, 1}, std::vector<std::string>{"a/b.mp4", "c.mp4"});
  npz.Add("no_strings", {0}, std::vector<std::string>{});
  npz.Close();
}

const char* kCheckScript = R"PY(
import sys, zipfile
import numpy as np

def check(cond, what):
    if not cond:
        print("MISMATCH:", what)
        sys.exit(1)

path = sys.argv[1]
check(zipfile.ZipFile(path).testzip() is None, "zip CRC")
z = np.load(path)  # allow_pickle stays False
check(sorted(z.files) == sorted(["matrix", "landmarks", "blendshapes", "scalar", "labels",
                                 "frames", "names", "paths", "no_strings"]), "keys %s" % z.files)

m = z["matrix"]
check(m.dtype == np.dtype("<f4") and m.shape == (2, 3), "matrix %s %s" % (m.dtype, m.shape))
check(np.array_equal(m, np.array([[0.5, -1.25, 3.0], [1e-7, -0.0, 65504.0]], np.float32)),
      "matrix values %s" % m)

l = z["landmarks"]
check(l.dtype == np.float32 and l.shape == (2, 10, 478, 3), "landmarks %s %s" % (l.dtype, l.shape))
check(np.array_equal(l.ravel(), np.arange(l.size, dtype=np.float32) * np.float32(0.25)),
      "landmark values")

b = z["blendshapes"]
check(b.dtype == np.float32 and b.shape == (0, 10, 52), "blendshapes %s %s" % (b.dtype, b.shape))

s = z["scalar"]
check(s.dtype == np.float32 and s.shape == () and s == 42.0, "scalar %s %s %s" % (s.dtype, s.shape, s))

i = z["labels"]
check(i.dtype == np.dtype("<i4") and i.tolist() == [1, -2, 7, 2147483647], "labels %s %s" % (i.dtype, i))

f = z["frames"]
check(f.dtype == np.dtype("<i8") and f.tolist() == [[0, -1], [1 << 40, -(1 << 63)]],
      "frames %s %s" % (f.dtype, f))

n = z["names"]
check(n.dtype == np.dtype("<U9") and n.shape == (5,), "names %s %s" % (n.dtype, n.shape))
check(n.tolist() == ["happy", "\u00e4ngstlich", "\u60b2\u3057\u3044", "\U0001F600 x", ""],
      "names %r" % n.tolist())

p = z["paths"]
check(p.dtype == np.dtype("<U7") and p.shape == (2, 1) and p.tolist() == [["a/b.mp4"], ["c.mp4"]],
      "paths %s %r" % (p.dtype, p.tolist()))

e = z["no_strings"]
check(e.dtype == np.dtype("<U1") and e.shape == (0,), "no_strings %s %s" % (e.dtype, e.shape))
print("ok")
)PY";

class NpzTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("fer-npz-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs the numpy check on `npz`; returns the exit status and its output.
  int run_check(const std::string& npz, std::string* output) {
    const fs::path script = dir_ / "check.py";
    std::ofstream(script) << kCheckScript;
    const std::string cmd = std::string(kPython) + " '" + script.string() + "' '" + npz + "' 2>&1";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) return -1;
    char buf[512];
    while (std::fgets(buf, sizeof buf, pipe)) *output += buf;
    return ::pclose(pipe);
  }

  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fs::path dir_;
};

}  // namespace

TEST_F(NpzTest, NumpyLoadsEveryKindOfArray) {
  ASSERT_TRUE(fs::exists(kPython)) << kPython;
  const std::string path = (dir_ / "features.npz").string();
  write_all_kinds(path, {});
  std::string output;
  EXPECT_EQ(run_check(path, &output), 0) << output;
  EXPECT_NE(output.find("ok"), std::string::npos) << output;
}

TEST_F(NpzTest, NumpyLoadsZip64Records) {
  const std::string path = (dir_ / "features64.npz").string();
  write_all_kinds(path, {false, true});
  std::string output;
  EXPECT_EQ(run_check(path, &output), 0) << output;
}

TEST_F(NpzTest, NothingUnderTheFinalNameBeforeClose) {
  const fs::path path = dir_ / "late.npz";
  {
    fer::NpzWriter npz(path.string());
    npz.Add("x", {3}, std::vector<float>{1, 2, 3});
    EXPECT_FALSE(fs::exists(path));
    ASSERT_EQ(listing().size(), 1u);  // the temporary file only
    EXPECT_EQ(listing()[0].rfind(".late.npz.tmp-", 0), 0u) << listing()[0];
    npz.Close();
  }
  EXPECT_EQ(listing(), std::vector<std::string>{"late.npz"});
}

TEST_F(NpzTest, AbandonedWriterLeavesNoFile) {
  {
    fer::NpzWriter npz((dir_ / "abandoned.npz").string());
    npz.Add("x", {1}, std::vector<std::int32_t>{1});
  }
  EXPECT_TRUE(listing().empty());
}

TEST_F(NpzTest, RejectedArraysLeaveTheWriterUsable) {
  const std::string path = (dir_ / "partial.npz").string();
  fer::NpzWriter npz(path);
  npz.Add("x", {2}, std::vector<float>{1, 2});
  EXPECT_THROW(npz.Add("x", {1}, std::vector<float>{1}), fer::Error);           // duplicate
  EXPECT_THROW(npz.Add("y", {3}, std::vector<float>{1, 2}), fer::Error);        // size
  EXPECT_THROW(npz.Add("a/b", {1}, std::vector<float>{1}), fer::Error);         // name
  EXPECT_THROW(npz.Add("", {1}, std::vector<float>{1}), fer::Error);            // name
  EXPECT_THROW(npz.Add("s", {1}, std::vector<std::string>{"\xc3"}), fer::Error);  // UTF-8
  npz.Close();
  const std::string script = "import numpy as np, sys\n"
                             "z = np.load(sys.argv[1])\n"
                             "sys.exit(0 if z.files == ['x'] and z['x'].tolist() == [1, 2] else 1)\n";
  std::ofstream(dir_ / "partial.py") << script;
  EXPECT_EQ(std::system((std::string(kPython) + " '" + (dir_ / "partial.py").string() + "' '" +
                         path + "'")
                            .c_str()),
            0);
}

TEST_F(NpzTest, InvalidUtf8NamesArrayAndElement_n) {
  fer::NpzWriter npz((dir_ / "bad.npz").string());
  try {
    npz.Add("names", {2}, std::vector<std::string>{"ok", "bad\xff"});
    FAIL() << "expected fer::Error";
  } catch (const fer::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'names'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("string 1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("byte 3"), std::string::npos) << msg;
  }
}

TEST_F(NpzTest, RefusesExistingFile_n) {
  const fs::path path = dir_ / "existing.npz";
  std::ofstream(path) << "precious";
  try {
    fer::NpzWriter npz(path.string());
    FAIL() << "expected fer::Error";
  } catch (const fer::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("overwrite"), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurp(path), "precious");
  EXPECT_EQ(listing(), std::vector<std::string>{"existing.npz"});
}

TEST_F(NpzTest, RefusesFileThatAppearedBeforeClose_n) {
  const fs::path path = dir_ / "raced.npz";
  fer::NpzWriter npz(path.string());
  npz.Add("x", {1}, std::vector<float>{1});
  std::ofstream(path) << "precious";
  try {
    npz.Close();
    FAIL() << "expected fer::Error";
  } catch (const fer::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurp(path), "precious");
  EXPECT_EQ(listing(), std::vector<std::string>{"raced.npz"});  // temporary file removed
  EXPECT_THROW(npz.Close(), fer::Error);
}

TEST_F(NpzTest, OverwriteReplacesExistingFile) {
  const fs::path path = dir_ / "replaced.npz";
  std::ofstream(path) << "old";
  fer::NpzWriter npz(path.string(), {true, false});
  npz.Add("x", {1}, std::vector<float>{1});
  npz.Close();
  EXPECT_EQ(slurp(path).substr(0, 2), "PK");
  EXPECT_EQ(listing(), std::vector<std::string>{"replaced.npz"});
}

TEST_F(NpzTest, UnwritableDirectoryNamesPath_n) {
  const std::string path = (dir_ / "no-such-dir" / "x.npz").string();
  try {
    fer::NpzWriter npz(path);
    FAIL() << "expected fer::Error";
  } catch (const fer::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

// What NpzWriter writes, read_npz reads back: names, dtypes, shapes, data.
TEST_F(NpzTest, ReaderReadsWhatTheWriterWrote) {
  const fs::path path = dir_ / "round.npz";
  fer::NpzWriter npz(path.string());
  npz.Add("f", {2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6});
  npz.Add("s", {2}, std::vector<std::string>{"a", "caf\xc3\xa9"});
  npz.Close();
  const std::vector<fer::NpyArray> arrays = fer::read_npz(path.string());
  ASSERT_EQ(arrays.size(), 2u);
  EXPECT_EQ(arrays[0].name, "f");
  EXPECT_EQ(arrays[0].descr, "<f4");
  EXPECT_EQ(arrays[0].shape, (std::vector<std::size_t>{2, 3}));
  ASSERT_EQ(arrays[0].data.size(), 24u);
  float last = 0;
  std::memcpy(&last, arrays[0].data.data() + 20, 4);
  EXPECT_EQ(last, 6.0f);
  EXPECT_EQ(arrays[1].strings(), (std::vector<std::string>{"a", "caf\xc3\xa9"}));
}

// Inputs that once crashed the .npz fuzzer (tests/fuzz/regressions): each
// is read or refused with a fer::Error, never another exception.
TEST(NpzReader, FuzzRegressionsAreRefusedCleanly_n) {
  const fs::path dir = fs::path(FER_SOURCE_DIR) / "tests/fuzz/regressions/fuzz_npz";
  int inputs = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    ++inputs;
    try {
      fer::read_npz(entry.path().string());
    } catch (const fer::Error& e) {
      std::printf("%s: %s\n", entry.path().filename().c_str(), e.what());
    }
  }
  EXPECT_GT(inputs, 0);
}
