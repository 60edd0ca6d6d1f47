// SPDX-License-Identifier: LGPL-2.1-or-later
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "fer/io/dataset_csv.h"
#include "fer/error.h"

namespace fs = std::filesystem;

namespace {

constexpr const char* kRawHeader =
    "1happy,2sad,3neutral,4angry,5surprise,6disgust,7fear,order,label,file_path\n";

class DatasetCsvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("fer-csv-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

  // The message of the fer::Error that reading `path` throws.
  static std::string error_of(const std::string& path) {
    try {
      fer::read_dataset_csv(path);
    } catch (const fer::Error& e) {
      return e.what();
    }
    return "no error";
  }

  fs::path dir_;
};

}  // namespace

TEST_F(DatasetCsvTest, CleanedFormWithAllColumns) {
  const std::string path = write("clean.csv",
                                 "video_id,file_path,label,actual\n"
                                 "17,clips/17.mp4,1,happy\n"
                                 "18,clips/18.mp4,7,fear\n");
  const fer::DatasetCsv csv = fer::read_dataset_csv(path);
  EXPECT_EQ(csv.form, fer::DatasetCsvForm::kCleaned);
  ASSERT_EQ(csv.clips.size(), 2u);
  const fer::DatasetClip& c = csv.clips[1];
  EXPECT_EQ(c.file_path, (dir_ / "clips/18.mp4").string());
  EXPECT_EQ(c.file_path_as_written, "clips/18.mp4");
  EXPECT_EQ(c.video_id, "18");
  EXPECT_EQ(c.label, 7);
  EXPECT_EQ(c.label_name, "fear");
  EXPECT_EQ(c.actual, "fear");
  EXPECT_EQ(c.index, 1);
  EXPECT_EQ(c.line, 3);
}

TEST_F(DatasetCsvTest, CleanedFormOptionalColumns) {
  // video_idx (the seed's column list) stands for video_id; no label.
  fer::DatasetCsv csv =
      fer::read_dataset_csv(write("idx.csv", "file_path,video_idx\na.mp4,v1\nb.mp4,\n"));
  ASSERT_EQ(csv.clips.size(), 2u);
  EXPECT_EQ(csv.clips[0].video_id, "v1");
  EXPECT_EQ(csv.clips[1].video_id, "1");  // empty: the record index
  EXPECT_EQ(csv.clips[0].label, -1);
  EXPECT_EQ(csv.clips[0].label_name, "");

  // file_path alone: ids are the record indices; an empty label is no label;
  // a numeric label without `actual` is named through DFEW's mapping.
  csv = fer::read_dataset_csv(write("min.csv", "label,file_path\n,a.mp4\n3,b.mp4\n"));
  ASSERT_EQ(csv.clips.size(), 2u);
  EXPECT_EQ(csv.clips[0].video_id, "0");
  EXPECT_EQ(csv.clips[0].label, -1);
  EXPECT_EQ(csv.clips[1].video_id, "1");
  EXPECT_EQ(csv.clips[1].label, 3);
  EXPECT_EQ(csv.clips[1].label_name, "neutral");
}

TEST_F(DatasetCsvTest, RawDfewFormMapsLabels) {
  std::string text = kRawHeader;
  for (int label = 1; label <= 7; ++label)
    text += "0,0,0,0,0,0,0," + std::to_string(100 + label) + "," + std::to_string(label) +
            ",part_1/" + std::to_string(100 + label) + ".mp4\n";
  const fer::DatasetCsv csv = fer::read_dataset_csv(write("raw.csv", text));
  EXPECT_EQ(csv.form, fer::DatasetCsvForm::kDfewRaw);
  ASSERT_EQ(csv.clips.size(), 7u);
  const char* names[] = {"happy", "sad", "neutral", "angry", "surprise", "disgust", "fear"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(csv.clips[i].label, i + 1);
    EXPECT_EQ(csv.clips[i].label_name, names[i]);
    EXPECT_EQ(csv.clips[i].video_id, std::to_string(101 + i));  // from `order`
    EXPECT_EQ(csv.clips[i].actual, "");
  }
  EXPECT_EQ(fer::dfew_label_name(0), "");
  EXPECT_EQ(fer::dfew_label_name(8), "");
}

TEST_F(DatasetCsvTest, SeedCleanedCsvKeepsVoteColumns) {
  // Seed 000's cleaned file: the raw columns plus actual and video_id, in
  // another order, with a pandas index column and a float-typed label.
  const fer::DatasetCsv csv = fer::read_dataset_csv(
      write("seed.csv",
            ",1happy,2sad,3neutral,4angry,5surprise,6disgust,7fear,order,label,actual,video_id,"
            "file_path\n"
            "0,9,1,0,0,0,0,0,5,1.0,happy,5,/data/dfew/5.mp4\n"));
  EXPECT_EQ(csv.form, fer::DatasetCsvForm::kDfewRaw);
  ASSERT_EQ(csv.clips.size(), 1u);
  EXPECT_EQ(csv.clips[0].label, 1);
  EXPECT_EQ(csv.clips[0].label_name, "happy");
  EXPECT_EQ(csv.clips[0].actual, "happy");
  EXPECT_EQ(csv.clips[0].video_id, "5");
  EXPECT_EQ(csv.clips[0].file_path, "/data/dfew/5.mp4");
}

TEST_F(DatasetCsvTest, QuotedFields) {
  const fer::DatasetCsv csv = fer::read_dataset_csv(
      write("quoted.csv",
            "\"file_path\",\"actual\"\n"
            "\"clips/a, b.mp4\",\"say \"\"hi\"\"\"\n"
            "\"two\nlines.mp4\",\"\"\n"
            "plain.mp4,x\"y\n"));
  ASSERT_EQ(csv.clips.size(), 3u);
  EXPECT_EQ(csv.clips[0].file_path_as_written, "clips/a, b.mp4");
  EXPECT_EQ(csv.clips[0].actual, "say \"hi\"");
  EXPECT_EQ(csv.clips[1].file_path_as_written, "two\nlines.mp4");
  EXPECT_EQ(csv.clips[1].actual, "");
  EXPECT_EQ(csv.clips[1].line, 3);
  EXPECT_EQ(csv.clips[2].line, 5);  // the record above spans lines 3-4
  EXPECT_EQ(csv.clips[2].actual, "x\"y");
}

TEST_F(DatasetCsvTest, BomCrlfAndBlankLines) {
  const fer::DatasetCsv csv = fer::read_dataset_csv(
      write("bom.csv", "\xEF\xBB\xBF" "file_path,label\r\na.mp4,2\r\n\r\nb.mp4,4\r\n\r\n  \r\n\r\n"));
  ASSERT_EQ(csv.columns.size(), 2u);
  EXPECT_EQ(csv.columns[0], "file_path");
  ASSERT_EQ(csv.clips.size(), 2u);
  EXPECT_EQ(csv.clips[0].file_path_as_written, "a.mp4");  // no stray CR
  EXPECT_EQ(csv.clips[0].label_name, "sad");
  EXPECT_EQ(csv.clips[1].line, 4);
  EXPECT_EQ(csv.clips[1].label_name, "angry");
}

TEST_F(DatasetCsvTest, RelativePathsResolveAgainstTheCsvDirectory) {
  const std::string path = write("lists/set.csv",
                                 "file_path\n"
                                 "clip.mp4\n"
                                 "../videos/./clip2.mp4\n"
                                 "/abs/clip3.mp4\n");
  const fer::DatasetCsv csv = fer::read_dataset_csv(path);
  ASSERT_EQ(csv.clips.size(), 3u);
  EXPECT_EQ(csv.clips[0].file_path, (dir_ / "lists" / "clip.mp4").string());
  EXPECT_EQ(csv.clips[1].file_path, (dir_ / "videos" / "clip2.mp4").string());
  EXPECT_EQ(csv.clips[1].file_path_as_written, "../videos/./clip2.mp4");
  EXPECT_EQ(csv.clips[2].file_path, "/abs/clip3.mp4");
}

TEST_F(DatasetCsvTest, MissingFilePathColumn_n) {
  const std::string path = write("nofile.csv", "video_id,label\n1,2\n");
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path + ":1:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("file_path"), std::string::npos) << msg;
  EXPECT_NE(msg.find("video_id, label"), std::string::npos) << msg;
}

TEST_F(DatasetCsvTest, WrongFieldCount_n) {
  const std::string path = write("count.csv", "file_path,label\na.mp4,1\nb.mp4\n");
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path + ":3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("1 fields, expected 2"), std::string::npos) << msg;
}

TEST_F(DatasetCsvTest, UnparsableRawLabel_n) {
  const std::string path =
      write("badlabel.csv", std::string(kRawHeader) + "0,0,0,0,0,0,0,1,1,a.mp4\n" +
                                "0,0,0,0,0,0,0,2,happy,b.mp4\n");
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path + ":3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("column 9 (label)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'happy'"), std::string::npos) << msg;
}

TEST_F(DatasetCsvTest, RawLabelOutOfRange_n) {
  const std::string path = write("range.csv", std::string(kRawHeader) + "0,0,0,0,0,0,0,1,0,a.mp4\n");
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path + ":2:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("1-7"), std::string::npos) << msg;
}

TEST_F(DatasetCsvTest, RawFormWithoutLabelColumn_n) {
  const std::string path = write(
      "nolabel.csv", "1happy,2sad,3neutral,4angry,5surprise,6disgust,7fear,order,file_path\n");
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path + ":1:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("label"), std::string::npos) << msg;
}

TEST_F(DatasetCsvTest, UnparsableCleanedLabel_n) {
  const std::string path = write("cleanlabel.csv", "file_path,label\na.mp4,1.5\n");
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path + ":2:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("column 2 (label)"), std::string::npos) << msg;
}

TEST_F(DatasetCsvTest, EmptyFilePath_n) {
  const std::string path = write("empty-path.csv", "label,file_path\n1,a.mp4\n2,\n");
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path + ":3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("column 2 (file_path)"), std::string::npos) << msg;
}

TEST_F(DatasetCsvTest, UnreadableFile_n) {
  const std::string path = (dir_ / "missing.csv").string();
  std::string msg = error_of(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
  msg = error_of(dir_.string());
  EXPECT_NE(msg.find(dir_.string() + ": cannot read"), std::string::npos) << msg;
}

TEST_F(DatasetCsvTest, EmptyFile_n) {
  const std::string path = write("empty.csv", "\xEF\xBB\xBF\r\n\r\n");
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path + ":1:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no header"), std::string::npos) << msg;
}

TEST_F(DatasetCsvTest, UnterminatedQuote_n) {
  const std::string path = write("open.csv", "file_path\na.mp4\n\"b.mp4\nc.mp4\n");
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path + ":3:1:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("never closed"), std::string::npos) << msg;
}

TEST_F(DatasetCsvTest, CharacterAfterClosingQuote_n) {
  const std::string path = write("after.csv", "file_path,label\n\"a.mp4\"x,1\n");
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path + ":2:8:"), std::string::npos) << msg;
}
