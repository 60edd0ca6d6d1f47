// SPDX-License-Identifier: LGPL-2.1-or-later
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fer/error.h"
#include "fer/face_detector.h"
#include "fer/model_registry.h"

namespace fs = std::filesystem;

namespace {

class ModelRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fer-registry-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    unsetenv("FER_MODEL_DIR");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
  }
  fs::path dir_;
};

}  // namespace

TEST_F(ModelRegistryTest, SearchOrderWithoutModelDirStartsWithEnvironment) {
  setenv("FER_MODEL_DIR", "/nonexistent/env-dir", 1);
  const fer::ModelRegistry registry;
  unsetenv("FER_MODEL_DIR");
  // The environment, then this build tree's models (the library runs from
  // the build tree; an installed one is tested in tests/install).
  ASSERT_EQ(registry.search_path().size(), 2u);
  EXPECT_EQ(registry.search_path()[0], "/nonexistent/env-dir");
  EXPECT_EQ(registry.search_path()[1], FER_BUILD_MODEL_DIR);
}

// An explicit model directory is the only place searched: a model it lacks
// is an error naming it, not a quiet fallback on the build tree's copy.
TEST_F(ModelRegistryTest, ModelDirLackingTheModelIsAnError_n) {
  setenv("FER_MODEL_DIR", "/nonexistent/env-dir", 1);
  const fer::ModelRegistry registry(dir_.string());
  unsetenv("FER_MODEL_DIR");
  ASSERT_EQ(registry.search_path(), std::vector<std::string>{dir_.string()});
  try {
    registry.Locate("face_detection_short_range.onnx");
    FAIL() << "expected fer::ModelNotFound";
  } catch (const fer::ModelNotFound& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("face_detection_short_range.onnx in the model directory " + dir_.string()),
              std::string::npos) << msg;
  }
}

TEST_F(ModelRegistryTest, ModelDirWinsOverBuildTree) {
  write("face_detection_short_range.onnx", "x");
  EXPECT_EQ(fer::ModelRegistry(dir_.string()).Locate("face_detection_short_range.onnx"),
            (dir_ / "face_detection_short_range.onnx").string());
}

TEST_F(ModelRegistryTest, MissingFileNamesFileAndDirectories_n) {
  try {
    fer::ModelRegistry(dir_.string()).Locate("no_such_model.onnx");
    FAIL() << "expected fer::Error";
  } catch (const fer::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("not found: no_such_model.onnx"), std::string::npos) << msg;
    EXPECT_NE(msg.find(dir_.string()), std::string::npos) << msg;
  }
}

TEST_F(ModelRegistryTest, DigestMismatchIsReportedAsCorrupt_n) {
  write("m.onnx", "tampered");
  write("SHA256SUMS", std::string(64, '0') + "  m.onnx\n");
  try {
    fer::ModelRegistry(dir_.string()).Locate("m.onnx");
    FAIL() << "expected fer::Error";
  } catch (const fer::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("corrupt: " + (dir_ / "m.onnx").string()), std::string::npos) << msg;
  }
}

TEST_F(ModelRegistryTest, ListedDigestVerifies) {
  write("m.onnx", "abc");
  // sha256("abc")
  write("SHA256SUMS", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  m.onnx\n");
  EXPECT_NO_THROW(fer::ModelRegistry(dir_.string()).Locate("m.onnx"));
}

TEST_F(ModelRegistryTest, EmptyFile_n) {
  write("m.onnx", "");
  EXPECT_THROW(fer::ModelRegistry(dir_.string()).Locate("m.onnx"), fer::Error);
}

TEST_F(ModelRegistryTest, UnparsableModelNamesFile_n) {
  write("face_detection_short_range.onnx", "this is not a protobuf");
  fer::FaceDetectorOptions options;
  options.model_dir = dir_.string();
  try {
    fer::FaceDetector::Create(options);
    FAIL() << "expected fer::Error";
  } catch (const fer::Error& e) {
    EXPECT_NE(std::string(e.what()).find((dir_ / "face_detection_short_range.onnx").string()),
              std::string::npos)
        << e.what();
  }
}

TEST(Sha256, KnownVector) {
  EXPECT_EQ(fer::sha256_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
