#include "daemon/logging.h"

#include <cstdlib>
#include <functional>
#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace queuemon::daemon {
namespace {

using ::testing::HasSubstr;

// Each test sets up logging under its own environment and captures stderr around one line.
std::string LogOneLine(const config::LogOptions& options, const std::function<void()>& log) {
  SetupLogging(options);
  ::testing::internal::CaptureStderr();
  log();
  return ::testing::internal::GetCapturedStderr();
}

TEST(DaemonLoggingTest, JournalLinesCarryPriorityAndNoTimestamp) {
  ::setenv("JOURNAL_STREAM", "8:12345", 1);
  ASSERT_TRUE(UnderSystemd());
  const std::string line =
      LogOneLine(config::LogOptions{}, [] { ModuleLogger("daemon")->warn("broker {} gone", "x"); });
  EXPECT_EQ(line, "<4>daemon: broker x gone\n");
  const std::string library = LogOneLine(config::LogOptions{}, [] { spdlog::error("http: bad"); });
  EXPECT_EQ(library, "<3>http: bad\n") << "the default logger has no name prefix of its own";
  ::unsetenv("JOURNAL_STREAM");
}

TEST(DaemonLoggingTest, TerminalLinesCarryATimestamp) {
  ::unsetenv("JOURNAL_STREAM");
  ::unsetenv("INVOCATION_ID");
  ASSERT_FALSE(UnderSystemd());
  const std::string line = LogOneLine(config::LogOptions{}, [] { ModuleLogger("cache")->info("swept"); });
  EXPECT_TRUE(std::regex_match(line, std::regex(R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+ info +cache: swept\n)")))
      << line;
}

TEST(DaemonLoggingTest, LevelChangesApplyToEveryModuleAndNewOnes) {
  ::unsetenv("JOURNAL_STREAM");
  SetupLogging(config::LogOptions{.level = "info"});
  ::testing::internal::CaptureStderr();
  ModuleLogger("http")->debug("hidden");
  ApplyLogLevel(config::LogOptions{.level = "debug"});
  ModuleLogger("http")->debug("shown");
  ModuleLogger("brand_new")->debug("also shown");
  ApplyLogLevel(config::LogOptions{.level = "off"});
  ModuleLogger("daemon")->critical("silenced");
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, ::testing::Not(HasSubstr("hidden")));
  EXPECT_THAT(out, HasSubstr("http: shown"));
  EXPECT_THAT(out, HasSubstr("brand_new: also shown"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("silenced")));
}

}  // namespace
}  // namespace queuemon::daemon
