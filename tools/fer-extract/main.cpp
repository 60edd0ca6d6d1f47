// SPDX-License-Identifier: LGPL-2.1-or-later
// fer-extract — the DFEW wavelet recipe's feature extraction (docs/features.md) over a dataset CSV: every clip
// encoded whole into (10, 478, 3) landmark and (10, 52) blendshape wavelet
// coefficients, written to one .npz. The command line and the progress
// display; the work is in dataset_extraction.h. Format: docs/features.md.
#include <gst/gst.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <utility>
#include <vector>
#include <filesystem>
#include <string>
#include <thread>

#include "cli_support.h"
#include "dataset_extraction.h"
#include "fer/io/dataset_csv.h"
#include "progress.h"
#include "shard_merge.h"

namespace {

using fer_tools::kExitFailure;
using fer_tools::kExitOk;
using fer_tools::kExitUsage;

const char* kDescription =
    "fer-extract: facial features of every clip of a dataset CSV, in one .npz file.\n"
    "\n"
    "Each clip is decoded whole (GStreamer: filesrc ! decodebin ! videoconvert), the\n"
    "face is tracked in every frame as facelandmarks does (one face, the element's\n"
    "defaults), and the T frames with a face are encoded with the Haar wavelet into\n"
    "10 coefficients per trajectory: landmarks (10, 478, 3), normalised as x/width,\n"
    "y/height, z/width (or, with --landmark-space canonical, with head pose and scale\n"
    "removed), and blendshapes (10, 52) (the DFEW wavelet recipe, docs/features.md).\n"
    "\n"
    "INPUT.csv is the cleaned DFEW CSV (docs/features.md) (file_path; optional video_id or\n"
    "video_idx, label, actual) or DFEW's raw annotation (1happy, 2sad, 3neutral,\n"
    "4angry, 5surprise, 6disgust, 7fear, order, label, file_path). Relative paths\n"
    "are taken relative to the CSV's folder.\n";

const char* kFooter =
    "Output arrays (row i = CSV record i, M records; load with numpy.load(OUTPUT),\n"
    "no allow_pickle needed):\n"
    "  landmarks float32 (M,10,478,3), blendshapes float32 (M,10,52), label int64,\n"
    "  actual, video_id, file_path (str), frames_total, frames_with_face (int64),\n"
    "  flagged int32 (1: fewer than 10 frames with a face, a face in under 90 % of\n"
    "  the frames, or not decodable; its features are zeros), valid_coefficients\n"
    "  int32, reason (str, why flagged), landmark_space (str, 0-d: image or\n"
    "  canonical). See docs/features.md.\n"
    "\n"
    "Resuming: finished clips are kept in OUTPUT.parts/ until OUTPUT is written; an\n"
    "interrupted run (Ctrl-C, kill) continues where it stopped when run again.\n"
    "A clip that is missing or cannot be decoded is reported, flagged and\n"
    "zero-filled; it never stops the run.\n"
    "\n"
    "Models are taken from --model-dir alone when it is given (a model missing there\n"
    "is an error); else from $FER_MODEL_DIR, the install data directory, then the\n"
    "build tree.\n"
    "\n"
    "Exit codes:\n"
    "  0    OUTPUT written (even if some clips are flagged)\n"
    "  1    the run failed (e.g. models missing, OUTPUT not writable)\n"
    "  2    usage error, unreadable or invalid CSV, OUTPUT exists without --force,\n"
    "       OUTPUT's folder does not exist, or another fer-extract is writing OUTPUT\n"
    "  130  interrupted by SIGINT, 143 by SIGTERM (finished clips are kept)\n"
    "\n"
    "Sharding: `fer-extract --shard k/N INPUT.csv part-k.npz` for k = 0..N-1 (on as many\n"
    "machines; pipelines/slurm/fer-extract.sbatch runs them as a Slurm array job), then\n"
    "`fer-extract merge OUTPUT.npz part-*.npz` gives the .npz one run would write.";

}  // namespace

// fer-extract merge OUTPUT.npz PART.npz...: the shards of a --shard run into
// the .npz one run over the whole CSV writes.
int merge_main(int argc, char** argv) {
  std::string output;
  std::vector<std::string> parts;
  bool force = false;
  CLI::App app{"fer-extract merge: the .npz files of every shard of a `fer-extract --shard k/N` run (e.g.\n"
               "the tasks of a Slurm array job) into the .npz one run over the whole CSV writes.",
               "fer-extract merge"};
  app.add_option("OUTPUT.npz", output, "The .npz file to write")->required();
  app.add_option("PART.npz", parts, "Every shard's .npz, in any order")->required()->check(CLI::ExistingFile);
  app.add_flag("-f,--force", force, "Replace OUTPUT if it exists");
  if (const auto exit_code = fer_tools::parse_command_line(app, argc, argv)) return *exit_code;
  fer_tools::print_core_log("fer-extract");
  try {
    const std::size_t rows = fer_extract::merge_shards(parts, output, force);
    std::fprintf(stderr, "fer-extract: merged %zu shards into %s: %zu clips\n", parts.size(), output.c_str(), rows);
  } catch (const fer_extract::MergeRefused& e) {
    std::fprintf(stderr, "fer-extract: error: %s\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fer-extract: error: %s\n", e.what());
    return kExitFailure;
  }
  return kExitOk;
}

// "k/N" with 0 <= k < N, or nullopt.
std::optional<std::pair<int, int>> parse_shard(const std::string& text) {
  int k = -1, n = 0;
  char rest = 0;
  if (std::sscanf(text.c_str(), "%d/%d%c", &k, &n, &rest) != 2 || n < 1 || k < 0 || k >= n) return std::nullopt;
  return std::make_pair(k, n);
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "merge") return merge_main(argc - 1, argv + 1);
  std::string input, output, model_dir, shard;
  bool force = false;
  const unsigned cores = std::thread::hardware_concurrency();
  int jobs = cores > 0 ? static_cast<int>(cores) : 1;

  CLI::App app{kDescription, "fer-extract"};
  app.footer(kFooter);
  app.get_formatter()->column_width(22);
  app.add_option("INPUT.csv", input, "Dataset CSV (cleaned or raw DFEW form)")->required();
  app.add_option("OUTPUT.npz", output, "The .npz file to write")->required();
  app.add_flag("-f,--force", force, "Replace OUTPUT if it exists");
  app.add_option("-j,--jobs", jobs, "Clips processed in parallel (default: the number of cores)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--shard", shard,
                 "k/N: only CSV records k, k+N, k+2N, ... (0-based; e.g. one task of a Slurm array job); "
                 "`fer-extract merge` joins the shards' outputs")
      ->type_name("k/N");
  std::string space = "image";
  app.add_option("--landmark-space", space,
                 "Landmark coordinates encoded: image (x/width, y/height, z/width) or canonical (head pose "
                 "and scale removed, canonical face space in cm)")
      ->check(CLI::IsMember({"image", "canonical"}))
      ->capture_default_str();
  fer::InferenceEngine engine = fer::InferenceEngine::kAuto;
  fer_tools::add_common_options(app, model_dir, engine);
  if (const auto exit_code = fer_tools::parse_command_line(app, argc, argv)) return *exit_code;

  // Refuse before any work.
  std::error_code ec;
  if (std::filesystem::is_directory(output, ec)) {
    std::fprintf(stderr, "fer-extract: error: %s is a directory\n", output.c_str());
    return kExitUsage;
  }
  const std::filesystem::path folder = std::filesystem::absolute(output, ec).parent_path();
  if (!std::filesystem::is_directory(folder, ec)) {
    std::fprintf(stderr, "fer-extract: error: the folder of %s does not exist\n", output.c_str());
    return kExitUsage;
  }
  if (std::filesystem::equivalent(input, output, ec)) {  // --force or not: never the data itself
    std::fprintf(stderr, "fer-extract: error: OUTPUT %s is the input CSV\n", output.c_str());
    return kExitUsage;
  }
  if (std::filesystem::exists(output, ec) && !force) {
    std::fprintf(stderr, "fer-extract: error: %s exists; use --force to replace it\n", output.c_str());
    return kExitUsage;
  }
  fer::DatasetCsv csv;
  try {
    csv = fer::read_dataset_csv(input);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fer-extract: error: %s\n", e.what());
    return kExitUsage;
  }
  std::optional<fer_extract::Shard> sharded;
  if (!shard.empty()) {
    const auto kn = parse_shard(shard);
    if (!kn) {
      std::fprintf(stderr, "fer-extract: error: --shard %s: expected k/N with 0 <= k < N\n", shard.c_str());
      return kExitUsage;
    }
    sharded = fer_extract::Shard{kn->first, kn->second, static_cast<std::int64_t>(csv.clips.size())};
    std::vector<fer::DatasetClip> mine;
    for (const fer::DatasetClip& clip : csv.clips)
      if (clip.index % kn->second == kn->first) mine.push_back(clip);
    csv.clips = std::move(mine);
  }
  std::fprintf(stderr, "fer-extract: %s: %zu clips%s (%s CSV)\n", input.c_str(), csv.clips.size(),
               shard.empty() ? "" : (" of shard " + shard).c_str(),
               csv.form == fer::DatasetCsvForm::kDfewRaw ? "raw DFEW" : "cleaned");

  gst_init(nullptr, nullptr);
  fer_tools::install_cancel_handlers();
  fer_extract::ProgressReporter progress(stderr, isatty(STDERR_FILENO) != 0, jobs);
  fer_extract::ExtractionOptions options;
  options.jobs = jobs;
  options.model_dir = model_dir;
  options.engine = engine;
  options.space = fer::parse_landmark_space(space, "--landmark-space");
  options.shard = sharded;
  options.overwrite = force;
  options.cancel = &fer_tools::cancel_requested();
  fer_extract::ExtractionSummary summary;
  try {
    summary = fer_extract::extract_dataset(csv, output, options, progress);
  } catch (const fer_extract::Refused& e) {
    progress.finish_line();
    std::fprintf(stderr, "fer-extract: error: %s\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    progress.finish_line();
    std::fprintf(stderr, "fer-extract: error: %s\n", e.what());
    return kExitFailure;
  }
  progress.finish_line();
  if (summary.interrupted) {
    std::fprintf(stderr,
                 "fer-extract: interrupted; finished clips are kept in %s: run the same command "
                 "again to resume\n",
                 fer_extract::parts_dir_for(output).c_str());
    return fer_tools::cancel_exit_code();
  }
  std::fprintf(stderr,
               "fer-extract: wrote %s: %d clips, %d flagged (%d not decodable), %d reused, in %s\n",
               output.c_str(), summary.clips, summary.flagged, summary.errors, summary.reused,
               fer_tools::format_duration(progress.elapsed_seconds()).c_str());
  return kExitOk;
}
