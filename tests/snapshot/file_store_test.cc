#include "snapshot/file_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace queuemon::snapshot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A fresh directory under /tmp per test, removed after it.
class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = "/tmp/queuemon-snapshot-test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string PathOf(const std::string& name) const { return dir_ + "/" + name; }

  std::string Read(const std::string& path) {
    std::string error;
    bool missing = true;
    const std::optional<std::string> content = ReadWholeFile(path, &error, &missing);
    EXPECT_TRUE(content) << error;
    EXPECT_FALSE(missing);
    return content.value_or("");
  }

  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

  std::string dir_;
};

TEST_F(FileStoreTest, WrittenBytesReadBackExactly) {
  std::string bytes(1 << 20, '\0');  // past ReadWholeFile's first buffer
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 131 % 251);
  EXPECT_EQ(WriteFileAtomically(PathOf("state"), bytes), "");
  EXPECT_EQ(Read(PathOf("state")), bytes);
}

TEST_F(FileStoreTest, AnEmptyFileReadsAsEmpty) {
  EXPECT_EQ(WriteFileAtomically(PathOf("state"), ""), "");
  EXPECT_EQ(Read(PathOf("state")), "");
}

TEST_F(FileStoreTest, ReplacesAnExistingFileAndLeavesNoTemporary) {
  ASSERT_EQ(WriteFileAtomically(PathOf("state"), "old contents, longer"), "");
  ASSERT_EQ(WriteFileAtomically(PathOf("state"), "new"), "");
  EXPECT_EQ(Read(PathOf("state")), "new");
  EXPECT_THAT(Entries(), ElementsAre("state"));
}

TEST_F(FileStoreTest, TheFileIsReadableByItsOwnerOnly) {
  ASSERT_EQ(WriteFileAtomically(PathOf("state"), "task arguments"), "");
  struct stat info {};
  ASSERT_EQ(::stat(PathOf("state").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
}

TEST_F(FileStoreTest, AMissingDirectoryIsAnErrorNamingThePath) {
  const std::string path = PathOf("no-such-dir/state");
  const std::string error = WriteFileAtomically(path, "x");
  EXPECT_THAT(error, HasSubstr(path));
  EXPECT_THAT(error, HasSubstr("No such file or directory"));
  EXPECT_THAT(Entries(), ElementsAre());
}

TEST_F(FileStoreTest, AFailedWriteLeavesTheOldFileAsItWas) {
  ASSERT_EQ(WriteFileAtomically(PathOf("state"), "old"), "");
  // A directory where the temporary would go makes its creation fail.
  const std::string temporary = PathOf("state") + ".tmp." + std::to_string(::getpid());
  ASSERT_TRUE(std::filesystem::create_directory(temporary));
  EXPECT_THAT(WriteFileAtomically(PathOf("state"), "new"), HasSubstr(PathOf("state")));
  EXPECT_EQ(Read(PathOf("state")), "old");
}

TEST_F(FileStoreTest, AMissingFileIsReportedAsMissing) {
  std::string error;
  bool missing = false;
  EXPECT_FALSE(ReadWholeFile(PathOf("absent"), &error, &missing));
  EXPECT_TRUE(missing);
  EXPECT_THAT(error, HasSubstr(PathOf("absent")));
}

TEST_F(FileStoreTest, ReadingADirectoryIsAnErrorButNotMissing) {
  std::string error;
  bool missing = true;
  EXPECT_FALSE(ReadWholeFile(dir_, &error, &missing));
  EXPECT_FALSE(missing);
  EXPECT_THAT(error, HasSubstr(dir_));
}

}  // namespace
}  // namespace queuemon::snapshot
