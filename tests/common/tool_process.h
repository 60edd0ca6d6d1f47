// SPDX-License-Identifier: LGPL-2.1-or-later
// Command-line tools run as a user runs them (fer-extract, fer-eval): a
// child process with stdout and stderr captured in files, every wait
// bounded.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "../elements/gst_test_support.h"

namespace fer::test {

namespace fs = std::filesystem;


struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  bool timed_out = false;
  std::string out, err;
  double seconds = 0.0;
};

struct Child {
  pid_t pid = -1;
  std::string out_file, err_file;
  std::chrono::steady_clock::time_point start;
};

// Starts argv with stdout and stderr into files under `dir`.
inline Child start_tool(const std::vector<std::string>& argv, const fs::path& dir) {
  static int counter = 0;
  Child c;
  const std::string stem = "proc" + std::to_string(++counter);
  c.out_file = (dir / (stem + ".out")).string();
  c.err_file = (dir / (stem + ".err")).string();
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  c.start = std::chrono::steady_clock::now();
  c.pid = fork();
  if (c.pid == 0) {
    const int out = open(c.out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(c.err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0) _exit(126);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    execvp(args[0], args.data());
    _exit(127);
  }
  return c;
}

// Waits at most timeout_s for the child (then kills it).
inline ProcessResult wait_tool(const Child& c, int timeout_s) {
  ProcessResult r;
  int status = 0;
  const auto deadline = c.start + std::chrono::seconds(timeout_s);
  for (;;) {
    const pid_t done = waitpid(c.pid, &status, WNOHANG);
    if (done == c.pid) break;
    if (done < 0) {
      r.err = "waitpid failed";
      return r;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(c.pid, SIGKILL);
      waitpid(c.pid, &status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - c.start).count();
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.exit_code = 128 + WTERMSIG(status);
  r.out = read_file(c.out_file);
  r.err = read_file(c.err_file);
  std::error_code ec;
  fs::remove(c.out_file, ec);
  fs::remove(c.err_file, ec);
  return r;
}

inline ProcessResult run_tool(const std::vector<std::string>& argv, const fs::path& dir, int timeout_s = 300) {
  return wait_tool(start_tool(argv, dir), timeout_s);
}

inline std::string describe(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + (r.timed_out ? " (timed out)" : "") + ", stderr:\n" +
         r.err;
}

// Runs argv (a tool, at most timeout_s) and expects exit code `code` and
// `says` in its stderr.
inline void expect_exit_saying(const std::vector<std::string>& argv, const fs::path& dir, int timeout_s, int code,
                               const std::string& says) {
  const ProcessResult r = run_tool(argv, dir, timeout_s);
  EXPECT_EQ(r.exit_code, code) << describe(r);
  EXPECT_NE(r.err.find(says), std::string::npos) << "expected \"" << says << "\" in:\n" << r.err;
}

// `tool --help` exits 0 and its text mentions each of `words`.
inline void expect_help_mentions(const std::string& tool, const std::vector<std::string>& words) {
  const TempDir dir;  // its own: the output files are named per process only
  const ProcessResult r = run_tool({tool, "--help"}, dir.path, 60);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  for (const std::string& word : words) EXPECT_NE(r.out.find(word), std::string::npos) << word << " not in:\n" << r.out;
}

}  // namespace fer::test
