// SPDX-License-Identifier: LGPL-2.1-or-later
// What the command-line tools (fer-extract, fer-eval) share: exit codes,
// Ctrl-C handling and durations for progress lines.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "fer/inference_net.h"

namespace fer_tools {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // the run failed (models missing, output not writable)
constexpr int kExitUsage = 2;    // bad command line or input file

// The options every tool has: --model-dir (the only folder models are taken from,
// as the elements' model-dir property), --engine (as the elements' engine
// property) and --version.
void add_common_options(CLI::App& app, std::string& model_dir, fer::InferenceEngine& engine);

// Prints the core's log lines of INFO and above on stderr as "TOOL: ...",
// each once (every worker loads the same models): a network that runs on
// cv::dnn instead of XNNPACK, and why.
void print_core_log(const char* tool);

// Parses the command line: nullopt to go on, else the exit code to return
// (kExitOk after --help or --version, kExitUsage on an error, printed).
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

// SIGINT and SIGTERM set cancel_requested() instead of ending the process, so
// a tool can stop its workers and keep or discard its outputs cleanly; a
// second signal ends the process at once.
void install_cancel_handlers();
const std::atomic<bool>& cancel_requested();
// 128 + the signal that cancelled (130 for SIGINT, 143 for SIGTERM).
int cancel_exit_code();

// "1:02:03" / "2:03" for a duration in seconds.
std::string format_duration(double seconds);

}  // namespace fer_tools
