// SPDX-License-Identifier: LGPL-2.1-or-later
#include "report.h"

#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <opencv2/imgcodecs.hpp>

#include "fer/emotion_labels.h"
#include "fer/error.h"
#include "report_plots.h"

namespace fs = std::filesystem;

namespace fer_eval {

namespace {

const char* const kReportFiles[] = {"metrics.json",  "predictions.csv", "frame_predictions.csv",
                                    "report.md",     "confusion.png",   "per_class.png",
                                    "confusion_frames.png", "per_class_frames.png"};

std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// A CSV field, quoted when it must be.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

void write_prediction_row(std::ostream& out, const Prediction& p, const LabelMap& labels, std::size_t n_probs) {
  out << ',' << labels.classes()[static_cast<std::size_t>(p.predicted)] << ',' << fixed(p.confidence, 6);
  for (std::size_t k = 0; k < n_probs; ++k) out << ',' << (p.probs.empty() ? std::string() : fixed(p.probs[k], 6));
}

class TempFolder {
 public:
  explicit TempFolder(const std::string& parent) {
    std::string pattern = (fs::path(parent) / ".fer-eval.XXXXXX").string();
    if (!mkdtemp(pattern.data()))
      throw fer::Error(parent + ": cannot write the report there: " + std::strerror(errno));
    path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path file(const std::string& name) const { return fs::path(path_) / name; }

 private:
  std::string path_;
};

void save_text(const fs::path& path, const std::string& text, const std::string& shown_as) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.flush();
  if (!out) throw fer::Error(shown_as + ": cannot write: " + std::strerror(errno));
}

void save_png(const fs::path& path, const cv::Mat& img, const std::string& shown_as) {
  bool ok = false;
  try {
    ok = cv::imwrite(path.string(), img);
  } catch (const cv::Exception&) {
  }
  if (!ok) throw fer::Error(shown_as + ": cannot write the picture");
}

std::string markdown_summary(const fer::ClassificationMetrics& m, const LabelMap& labels, const char* level) {
  const auto count = [&](const char* cls) {
    const int k = labels.index(cls);
    return m.per_class[static_cast<std::size_t>(k)].predicted;
  };
  std::ostringstream md;
  md << "| " << level << " | WAR | UAR | macro F1 | weighted F1 | not_detected | unknown |\n"
     << "|---|---|---|---|---|---|---|\n"
     << "| " << m.items << " | " << fixed(m.war, 4) << " | " << fixed(m.uar, 4) << " | " << fixed(m.macro_f1, 4)
     << " | " << fixed(m.weighted_f1, 4) << " | " << count(kNotDetected) << " | "
     << count(std::string(fer::kUnknownEmotion).c_str()) << " |\n";
  return md.str();
}

std::string markdown_tables(const fer::ClassificationMetrics& m) {
  std::ostringstream md;
  md << "| class | precision | recall | F1 | support | predicted |\n|---|---|---|---|---|---|\n";
  for (const fer::ClassScores& s : m.per_class)
    md << "| " << s.label << " | " << fixed(s.precision, 4) << " | " << fixed(s.recall, 4) << " | " << fixed(s.f1, 4)
       << " | " << s.support << " | " << s.predicted << " |\n";
  md << "\nConfusion (rows: true class, columns: predicted)\n\n| true \\ predicted |";
  for (const std::string& l : m.labels) md << ' ' << l << " |";
  md << "\n|---|";
  for (std::size_t c = 0; c < m.labels.size(); ++c) md << "---|";
  md << '\n';
  for (std::size_t r = 0; r < m.labels.size(); ++r) {
    md << "| **" << m.labels[r] << "** |";
    for (std::size_t c = 0; c < m.labels.size(); ++c) md << ' ' << m.confusion[r][c] << " |";
    md << '\n';
  }
  return md.str();
}

// How the items of a form are named: one, several, a heading.
struct LevelNames {
  const char* one;
  const char* many;
  const char* heading;
};

LevelNames level_names(EvalForm form) {
  switch (form) {
    case EvalForm::kRanges: return {"range", "ranges", "Ranges"};
    case EvalForm::kClips: return {"clip", "clips", "Clips"};
    default: return {"still", "stills", "Stills"};
  }
}

fer::ClassificationMetrics item_metrics(const ReportInput& in) {
  std::vector<int> truth, predicted;
  for (const ItemResult& r : *in.results) {
    truth.push_back(r.truth);
    predicted.push_back(r.item.predicted);
  }
  return fer::classification_metrics(in.labels->classes(), truth, predicted);
}

fer::ClassificationMetrics frame_metrics(const ReportInput& in) {
  std::vector<int> truth, predicted;
  for (const ItemResult& r : *in.results)
    for (const FramePrediction& f : r.frame_predictions) {
      truth.push_back(r.truth);
      predicted.push_back(f.predicted);
    }
  return fer::classification_metrics(in.labels->classes(), truth, predicted);
}

nlohmann::json metrics_json(const fer::ClassificationMetrics& m, const LabelMap& labels) {
  nlohmann::json j;
  j["items"] = m.items;
  j["war"] = m.war;
  j["uar"] = m.uar;
  j["macro_f1"] = m.macro_f1;
  j["weighted_f1"] = m.weighted_f1;
  nlohmann::json per_class = nlohmann::json::object();
  for (const fer::ClassScores& s : m.per_class)
    per_class[s.label] = {{"precision", s.precision}, {"recall", s.recall}, {"f1", s.f1},
                          {"support", s.support}, {"predicted", s.predicted}};
  j["per_class"] = per_class;
  j["confusion"] = {{"labels", m.labels}, {"matrix", m.confusion}};
  j["not_detected"] = m.per_class[static_cast<std::size_t>(labels.index(kNotDetected))].predicted;
  j["unknown"] = m.per_class[static_cast<std::size_t>(labels.index(std::string(fer::kUnknownEmotion)))].predicted;
  return j;
}

}  // namespace

std::vector<std::string> report_files_in(const std::string& out_dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const char* name : kReportFiles)
    if (fs::exists(fs::path(out_dir) / name, ec)) found.push_back(name);
  return found;
}

ReportMetrics write_report(const std::string& out_dir, const ReportInput& in) {
  const EvalSet& set = *in.set;
  const LabelMap& labels = *in.labels;
  const std::vector<std::string>& probs = *in.model_labels;
  const fer::ClassificationMetrics items = item_metrics(in);
  const bool frames = set.has_frames();
  const fer::ClassificationMetrics frame_level = frames ? frame_metrics(in) : fer::ClassificationMetrics{};
  const LevelNames level = level_names(set.form);
  TempFolder tmp(out_dir);
  const auto shown = [&](const char* name) { return (fs::path(out_dir) / name).string(); };

  int errors = 0;
  for (const ItemResult& r : *in.results) errors += r.error.empty() ? 0 : 1;
  nlohmann::json metrics = metrics_json(items, labels);
  metrics["level"] = level.one;
  metrics["errors"] = errors;
  metrics["form"] = form_name(set.form);
  metrics["input"] = set.source;
  metrics["command"] = in.command;
  metrics["settings"] = in.settings;
  metrics["seconds"] = in.seconds;
  if (frames) metrics["frames"] = metrics_json(frame_level, labels);
  save_text(tmp.file("metrics.json"), metrics.dump(2) + "\n", shown("metrics.json"));

  std::ostringstream csv;
  csv << "item,frames,true,predicted,confidence";
  for (const std::string& l : probs) csv << ',' << l;
  csv << ",error\n";
  for (std::size_t i = 0; i < set.items.size(); ++i) {
    const ItemResult& r = (*in.results)[i];
    csv << csv_field(set.items[i].id) << ',' << r.frame_predictions.size() << ',' << labels.classes()[static_cast<std::size_t>(r.truth)];
    write_prediction_row(csv, r.item, labels, probs.size());
    csv << ',' << csv_field(r.error) << '\n';
  }
  save_text(tmp.file("predictions.csv"), csv.str(), shown("predictions.csv"));

  if (frames) {
    std::ostringstream fcsv;
    fcsv << "item,frame,true,predicted,confidence";
    for (const std::string& l : probs) fcsv << ',' << l;
    fcsv << '\n';
    for (std::size_t i = 0; i < set.items.size(); ++i) {
      const ItemResult& r = (*in.results)[i];
      for (const FramePrediction& f : r.frame_predictions) {
        fcsv << csv_field(set.items[i].id) << ',' << f.frame << ','
             << labels.classes()[static_cast<std::size_t>(r.truth)];
        write_prediction_row(fcsv, f, labels, probs.size());
        fcsv << '\n';
      }
    }
    save_text(tmp.file("frame_predictions.csv"), fcsv.str(), shown("frame_predictions.csv"));
  }

  save_png(tmp.file("confusion.png"), draw_confusion(items, std::string("Confusion, ") + level.many),
           shown("confusion.png"));
  save_png(tmp.file("per_class.png"), draw_per_class(items, std::string("Per class, ") + level.many),
           shown("per_class.png"));
  if (frames) {
    save_png(tmp.file("confusion_frames.png"), draw_confusion(frame_level, "Confusion, frames"),
             shown("confusion_frames.png"));
    save_png(tmp.file("per_class_frames.png"), draw_per_class(frame_level, "Per class, frames"),
             shown("per_class_frames.png"));
  }

  std::ostringstream md;
  md << "# Evaluation report\n\n"
     << "`" << in.command << "`\n\n"
     << "Input: `" << set.source << "` (" << form_name(set.form) << ", " << set.items.size() << " items";
  if (frames) md << ", " << frame_level.items << " labelled frames";
  md << "); " << fixed(in.seconds, 1) << " s.\n\nSettings: `" << in.settings.dump() << "`\n\n"
     << "WAR: accuracy over items. UAR: mean recall of the classes with support. Macro F1: mean F1 "
        "of the classes with support. `not_detected`: no face found; `unknown`: best probability "
        "under the confidence floor.\n\n## "
     << level.heading << "\n\n" << markdown_summary(items, labels, level.many) << '\n' << markdown_tables(items)
     << "\n![confusion](confusion.png)\n\n![per class](per_class.png)\n";
  if (frames)
    md << "\n## Frames\n\nEvery labelled frame, predicted on its own (the element's smoothed output "
          "for that frame).\n\n"
       << markdown_summary(frame_level, labels, "frames") << '\n' << markdown_tables(frame_level)
       << "\n![confusion, frames](confusion_frames.png)\n\n![per class, frames](per_class_frames.png)\n";
  if (errors > 0) {
    md << "\n## Items that could not be read (" << errors << ", counted as not_detected)\n\n"
       << "| item | problem |\n|---|---|\n";
    for (std::size_t i = 0; i < set.items.size(); ++i)
      if (!(*in.results)[i].error.empty())
        md << "| `" << set.items[i].id << "` | " << (*in.results)[i].error << " |\n";
  }
  save_text(tmp.file("report.md"), md.str(), shown("report.md"));

  // All written: into place.
  for (const char* name : kReportFiles) {
    std::error_code ec;
    if (!fs::exists(tmp.file(name), ec)) {  // a stale file of an earlier (--force) report
      fs::remove(fs::path(out_dir) / name, ec);
      continue;
    }
    fs::rename(tmp.file(name), fs::path(out_dir) / name, ec);
    if (ec) throw fer::Error(shown(name) + ": cannot write: " + ec.message());
  }
  ReportMetrics measured{items, std::nullopt};
  if (frames) measured.frames = frame_level;
  return measured;
}

}  // namespace fer_eval
