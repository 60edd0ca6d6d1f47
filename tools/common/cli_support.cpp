// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli_support.h"

#include <cmath>
#include <csignal>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include "fer/log.h"

namespace fer_tools {

namespace {

std::atomic<bool> g_cancel{false};
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int sig) {
  g_signal = sig;
  g_cancel.store(true);  // lock-free: safe in a signal handler
}

}  // namespace

void add_common_options(CLI::App& app, std::string& model_dir, fer::InferenceEngine& engine) {
  app.add_option("--model-dir", model_dir, "Directory holding the models (as the elements' model-dir; a model missing there is an error)")
      ->check(CLI::ExistingDirectory);
  const std::map<std::string, fer::InferenceEngine> engines = {
      {"auto", fer::InferenceEngine::kAuto},
      {"xnnpack", fer::InferenceEngine::kXnnpack},
      {"opencv", fer::InferenceEngine::kOpenCV}};
  app.add_option("--engine", engine,
                 "Inference engine (as the elements' engine): auto = XNNPACK for every network it "
                 "can run, cv::dnn for the others (a line on stderr says which and why); xnnpack = "
                 "fail on a network XNNPACK cannot run; opencv = cv::dnn for all")
      ->transform(CLI::CheckedTransformer(engines))
      ->default_str(fer::engine_name(engine));
  app.set_version_flag("--version", FER_VERSION);
}

void print_core_log(const char* tool) {
  fer::set_log_sink([tool](fer::LogLevel level, const std::string& message) {
    static std::mutex mutex;
    static std::set<std::string> printed;
    if (level == fer::LogLevel::kDebug) return;
    std::lock_guard<std::mutex> lock(mutex);
    if (printed.insert(message).second)
      std::fprintf(stderr, "%s: %s%s\n", tool, level == fer::LogLevel::kWarning ? "warning: " : "",
                   message.c_str());
  });
}

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  return std::nullopt;
}

void install_cancel_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second Ctrl-C ends the process at once
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

const std::atomic<bool>& cancel_requested() { return g_cancel; }

int cancel_exit_code() { return 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGINT); }

std::string format_duration(double seconds) {
  const long s = seconds > 0 ? static_cast<long>(std::lround(seconds)) : 0;
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
  return text;
}

}  // namespace fer_tools
