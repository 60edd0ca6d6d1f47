// SPDX-License-Identifier: LGPL-2.1-or-later
// facemetapublish: one JSON line per buffer in the documented schema, never
// overwriting an existing file unless asked, and "-" meaning stdout.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "fer/blendshapes.h"
#include "gst_test_support.h"

using namespace fer::test;
using nlohmann::json;

namespace {

const char* const kStill = "franck_02159.jpg";  // 720x576, one frontal face

const cv::Mat& still() {
  static const cv::Mat image = load_rgb(media_path(kStill));
  return image;
}

std::string publish_launch(const std::string& location, bool overwrite = false) {
  gchar* quoted = g_strescape(location.c_str(), nullptr);
  std::string launch = std::string("facelandmarks ! facemetapublish location=\"") + quoted + "\"";
  g_free(quoted);
  if (overwrite) launch += " overwrite=true";
  return launch;
}

// Checks one line against the schema and against the faces meta of the same
// frame (values rounded to 1/100 px, scores to 1e-4).
void expect_line_matches(const json& line, const fer::FrameFaces& meta) {
  ASSERT_TRUE(line.is_object());
  for (const char* key : {"frame", "pts", "width", "height", "faces"})
    EXPECT_TRUE(line.contains(key)) << "missing key " << key << " in " << line.dump().substr(0, 200);
  EXPECT_EQ(line.at("frame").get<int64_t>(), meta.frame);
  if (meta.pts) {
    EXPECT_EQ(line.at("pts").get<int64_t>(), *meta.pts);
  } else {
    EXPECT_TRUE(line.at("pts").is_null());
  }
  EXPECT_EQ(line.at("width").get<int>(), meta.width);
  EXPECT_EQ(line.at("height").get<int>(), meta.height);
  const json& faces = line.at("faces");
  ASSERT_TRUE(faces.is_array());
  ASSERT_EQ(faces.size(), meta.faces.size());
  for (size_t i = 0; i < faces.size(); ++i) {
    const json& f = faces[i];
    const fer::Face& m = meta.faces[i];
    for (const char* key : {"id", "bbox", "score", "landmarks"})
      ASSERT_TRUE(f.contains(key)) << "missing face key " << key;
    EXPECT_TRUE(f.at("id").is_number_integer());
    EXPECT_EQ(f.at("id").get<int>(), m.id);
    ASSERT_TRUE(f.at("bbox").is_array());
    ASSERT_EQ(f.at("bbox").size(), 4u);
    EXPECT_NEAR(f["bbox"][0].get<double>(), m.bbox.x, 0.006);
    EXPECT_NEAR(f["bbox"][1].get<double>(), m.bbox.y, 0.006);
    EXPECT_NEAR(f["bbox"][2].get<double>(), m.bbox.width, 0.006);
    EXPECT_NEAR(f["bbox"][3].get<double>(), m.bbox.height, 0.006);
    EXPECT_TRUE(f.at("score").is_number());
    EXPECT_NEAR(f["score"].get<double>(), m.score, 6e-5);
    const json& lm = f.at("landmarks");
    ASSERT_TRUE(lm.is_array());
    ASSERT_EQ(lm.size(), 478u);
    ASSERT_EQ(m.landmarks.size(), 478u);
    for (size_t k = 0; k < lm.size(); ++k) {
      ASSERT_TRUE(lm[k].is_array() && lm[k].size() == 3u) << "landmark " << k;
      for (int c = 0; c < 3; ++c) ASSERT_TRUE(lm[k][c].is_number()) << "landmark " << k;
      EXPECT_NEAR(lm[k][0].get<double>(), m.landmarks[k].x, 0.006) << k;
      EXPECT_NEAR(lm[k][1].get<double>(), m.landmarks[k].y, 0.006) << k;
      EXPECT_NEAR(lm[k][2].get<double>(), m.landmarks[k].z, 0.006) << k;
    }
    // Blendshapes (52, by name) and head pose, as facelandmarks sets them.
    ASSERT_EQ(m.blendshapes.size(), 52u);
    const json& shapes = f.at("blendshapes");
    ASSERT_TRUE(shapes.is_object());
    ASSERT_EQ(shapes.size(), 52u);
    int index = 0;
    for (const auto& [name, v] : shapes.items()) {
      EXPECT_EQ(name, fer::blendshape_names()[index]);
      EXPECT_NEAR(v.get<double>(), m.blendshapes[index], 6e-5) << name;
      ++index;
    }
    ASSERT_TRUE(m.pose);
    const json& pose = f.at("pose");
    ASSERT_EQ(pose.size(), 16u);
    for (int k = 0; k < 16; ++k) EXPECT_NEAR(pose[k].get<double>(), m.pose->transform.val[k], 1e-6);
    EXPECT_NEAR(f.at("yaw").get<double>(), m.pose->yaw, 0.006);
    EXPECT_NEAR(f.at("pitch").get<double>(), m.pose->pitch, 0.006);
    EXPECT_NEAR(f.at("roll").get<double>(), m.pose->roll, 0.006);
    EXPECT_FALSE(f.contains("features"));  // no waveletencode upstream
  }
}

// Starts a facemetapublish expecting a RESOURCE error; returns its message
// and debug text.
std::string expect_resource_error_at_start(GstElement* e) {
  const StartError error = expect_start_fails(e);
  EXPECT_EQ(error.domain, GST_RESOURCE_ERROR);
  return error.message + " | " + error.debug;
}

}  // namespace

// One line per buffer, in order, matching the meta; a buffer without a
// timestamp gets "pts": null.
TEST(FaceMetaPublishElement, WritesOneJsonLinePerBuffer) {
  const cv::Mat& rgb = still();
  ASSERT_FALSE(rgb.empty());
  TempDir dir;
  const std::string path = dir.file("faces.jsonl");
  std::vector<fer::FrameFaces> metas;
  {
    Harness t(publish_launch(path), rgb_caps(rgb.cols, rgb.rows));
    for (int i = 0; i < 4; ++i) {
      GstBuffer* in = rgb_buffer(rgb, i);
      if (i == 3) GST_BUFFER_PTS(in) = GST_CLOCK_TIME_NONE;
      ASSERT_EQ(t.push(in), GST_FLOW_OK);
      GstBuffer* out = t.pull();
      ASSERT_NE(out, nullptr);
      GstFerFacesMeta* meta = faces_meta(out);
      ASSERT_NE(meta, nullptr);
      metas.push_back(*meta->faces);
      gst_buffer_unref(out);
      // Each line is flushed as it is written: readable while running.
      const JsonLines now = read_json_lines(path);
      EXPECT_TRUE(now.complete) << now.problem;
      EXPECT_EQ(now.lines.size(), static_cast<size_t>(i + 1));
    }
    Messages m = t.messages();
    EXPECT_EQ(m.count(GST_MESSAGE_ERROR) + m.count(GST_MESSAGE_WARNING), 0u) << m.describe();
  }
  const JsonLines file = read_json_lines(path);
  ASSERT_TRUE(file.complete) << file.problem;
  ASSERT_EQ(file.lines.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE("line " + std::to_string(i));
    EXPECT_EQ(file.lines[i].at("frame").get<int64_t>(), static_cast<int64_t>(i));
    EXPECT_EQ(metas[i].faces.size(), 1u);
    expect_line_matches(file.lines[i], metas[i]);
  }
  EXPECT_TRUE(file.lines[3].at("pts").is_null());
  EXPECT_EQ(file.lines[1].at("pts").get<int64_t>(), 40000000);
}

// No faces meta: still one line per frame (no faces), counted from 0, and a
// single warning.
TEST(FaceMetaPublishElement, NoMetaWritesEmptyFrames) {
  const cv::Mat grey(48, 64, CV_8UC3, cv::Scalar(128, 128, 128));
  TempDir dir;
  const std::string path = dir.file("nometa.jsonl");
  {
    Harness t("facemetapublish location=\"" + path + "\"", rgb_caps(grey.cols, grey.rows));
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(t.push(rgb_buffer(grey, i)), GST_FLOW_OK);
      GstBuffer* out = t.pull();
      ASSERT_NE(out, nullptr);
      gst_buffer_unref(out);
    }
    Messages m = t.messages();
    EXPECT_EQ(m.count(GST_MESSAGE_WARNING), 1u) << m.describe();
    EXPECT_EQ(m.count(GST_MESSAGE_ERROR), 0u) << m.describe();
  }
  const JsonLines file = read_json_lines(path);
  ASSERT_TRUE(file.complete) << file.problem;
  ASSERT_EQ(file.lines.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(file.lines[i].at("frame").get<int>(), i);
    EXPECT_EQ(file.lines[i].at("width").get<int>(), 64);
    EXPECT_EQ(file.lines[i].at("height").get<int>(), 48);
    EXPECT_TRUE(file.lines[i].at("faces").empty());
  }
}

// An existing file is left alone: the state change fails, the error names
// the file, the content is unchanged.
TEST(FaceMetaPublishElement, RefusesToOverwrite_n) {
  TempDir dir;
  const std::string path = dir.file("existing.jsonl");
  const std::string original = "{\"keep\": true}\nnot json either\n";
  write_file(path, original);
  GstElement* e = gst_element_factory_make("facemetapublish", nullptr);
  ASSERT_NE(e, nullptr);
  g_object_set(e, "location", path.c_str(), nullptr);
  const std::string error = expect_resource_error_at_start(e);
  gst_object_unref(e);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_EQ(read_file(path), original);
}

// A location that cannot be created fails the state change, naming it.
TEST(FaceMetaPublishElement, UnwritableLocation_n) {
  TempDir dir;
  const std::string path = dir.file("no-such-dir/faces.jsonl");
  GstElement* e = gst_element_factory_make("facemetapublish", nullptr);
  ASSERT_NE(e, nullptr);
  g_object_set(e, "location", path.c_str(), nullptr);
  const std::string error = expect_resource_error_at_start(e);
  gst_object_unref(e);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(path));
}

// overwrite=true replaces the old content with this run's lines.
TEST(FaceMetaPublishElement, OverwritesWhenAsked) {
  const cv::Mat& rgb = still();
  ASSERT_FALSE(rgb.empty());
  TempDir dir;
  const std::string path = dir.file("existing.jsonl");
  write_file(path, std::string(100000, 'x') + "\n");  // longer than the new content
  {
    Harness t(publish_launch(path, true), rgb_caps(rgb.cols, rgb.rows));
    for (int i = 0; i < 2; ++i) {
      ASSERT_EQ(t.push(rgb_buffer(rgb, i)), GST_FLOW_OK);
      gst_buffer_unref(t.pull());
    }
  }
  const JsonLines file = read_json_lines(path);
  ASSERT_TRUE(file.complete) << file.problem;
  ASSERT_EQ(file.lines.size(), 2u);
  EXPECT_EQ(file.lines[1].at("frame").get<int>(), 1);
  EXPECT_EQ(file.lines[1].at("faces").size(), 1u);
}

// location="-" (also the default) writes the lines to standard output.
TEST(FaceMetaPublishElement, WritesToStdout) {
  const cv::Mat& rgb = still();
  ASSERT_FALSE(rgb.empty());
  TempDir dir;
  const std::string captured = dir.file("stdout.txt");
  for (const bool explicit_dash : {true, false}) {
    SCOPED_TRACE(explicit_dash ? "location=-" : "default location");
    std::fflush(stdout);
    const int saved = dup(STDOUT_FILENO);
    ASSERT_GE(saved, 0);
    const int fd = open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    GstFlowReturn flow[2] = {GST_FLOW_ERROR, GST_FLOW_ERROR};
    {
      Harness t(explicit_dash ? "facelandmarks ! facemetapublish location=-"
                              : "facelandmarks ! facemetapublish",
                rgb_caps(rgb.cols, rgb.rows));
      for (int i = 0; i < 2; ++i) {
        flow[i] = t.push(rgb_buffer(rgb, i));
        if (GstBuffer* out = t.pull()) gst_buffer_unref(out);
      }
    }
    std::fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    EXPECT_EQ(flow[0], GST_FLOW_OK);
    EXPECT_EQ(flow[1], GST_FLOW_OK);
    const JsonLines out = read_json_lines(captured);
    ASSERT_TRUE(out.complete) << out.problem;
    ASSERT_EQ(out.lines.size(), 2u);
    EXPECT_EQ(out.lines[0].at("frame").get<int>(), 0);
    EXPECT_EQ(out.lines[1].at("faces").size(), 1u);
    EXPECT_EQ(out.lines[1].at("faces")[0].at("landmarks").size(), 478u);
  }
}

// fields= keeps the named keys of each face and nothing else; precision= rounds pixel values and angles; the line shrinks.
TEST(FaceMetaPublishElement, FieldsAndPrecisionShapeTheLine) {
  const cv::Mat& rgb = still();
  ASSERT_FALSE(rgb.empty());
  TempDir dir;
  const std::string full = dir.file("full.jsonl"), slim = dir.file("slim.jsonl");
  for (const std::string& launch :
       {"facemetapublish location=\"" + full + "\"",
        "facemetapublish fields=id,bbox,emotion,pose precision=0 location=\"" + slim + "\""}) {
    Harness t("facelandmarks ! emotionclassify ! " + launch, rgb_caps(rgb.cols, rgb.rows));
    ASSERT_EQ(t.push(rgb_buffer(rgb, 0)), GST_FLOW_OK);
    gst_buffer_unref(t.pull());
  }
  const JsonLines a = read_json_lines(full), b = read_json_lines(slim);
  ASSERT_EQ(a.lines.size(), 1u);
  ASSERT_EQ(b.lines.size(), 1u);
  const json& fa = a.lines[0].at("faces").at(0);
  const json& fb = b.lines[0].at("faces").at(0);
  std::vector<std::string> keys;
  for (const auto& item : fb.items()) keys.push_back(item.key());
  std::sort(keys.begin(), keys.end());  // (json sorts them anyway)
  EXPECT_EQ(keys, (std::vector<std::string>{"bbox", "emotion", "id", "pitch", "pose", "roll", "yaw"}));
  EXPECT_TRUE(fa.contains("landmarks") && fa.contains("blendshapes") && fa.contains("score"));
  for (int k = 0; k < 4; ++k) {
    const double v = fb.at("bbox").at(k).get<double>();
    EXPECT_EQ(v, std::round(v)) << "precision=0 gives whole pixels";
    EXPECT_NEAR(v, fa.at("bbox").at(k).get<double>(), 0.5);
  }
  EXPECT_EQ(fb.at("yaw").get<double>(), std::round(fa.at("yaw").get<double>()));
  EXPECT_EQ(fb.at("emotion"), fa.at("emotion")) << "probabilities keep their 4 decimals";
  EXPECT_EQ(fb.at("pose"), fa.at("pose")) << "the matrix keeps its 6 decimals";
  EXPECT_LT(b.lines[0].dump().size() * 10, a.lines[0].dump().size()) << "a tenth of the line or less";
  // The frame's own keys are always there.
  for (const char* key : {"frame", "pts", "width", "height"}) EXPECT_TRUE(b.lines[0].contains(key)) << key;
}

// An unknown field fails the start naming it and the known ones.
TEST(FaceMetaPublishElement, UnknownFieldFailsTheStart_n) {
  TempDir dir;
  GstElement* e = gst_element_factory_make("facemetapublish", nullptr);
  ASSERT_NE(e, nullptr);
  g_object_set(e, "location", dir.file("x.jsonl").c_str(), "fields", "id,bbox,landmark", nullptr);
  const StartError error = expect_start_fails(e);
  EXPECT_EQ(error.domain, GST_RESOURCE_ERROR);
  EXPECT_NE(error.message.find("\"landmark\""), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("landmarks"), std::string::npos) << error.message;
  gst_object_unref(e);
}
