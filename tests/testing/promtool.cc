#include "tests/testing/promtool.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/testing/subprocess_runner.h"

namespace queuemon::testing {

std::string PromtoolProblems(const std::string& text) {
  std::string promtool;
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin"}) {
    const std::string path = std::string(dir) + "/promtool";
    if (::access(path.c_str(), X_OK) == 0) promtool = path;
  }
  if (promtool.empty()) return "promtool missing (Debian package prometheus)";
  const std::string file =
      ::testing::TempDir() + "/queuemon-metrics-" + std::to_string(::getpid()) + ".txt";
  std::ofstream(file) << text;
  const ProcessResult check = RunProcess(
      ProcessSpec{{"/bin/sh", "-c", "\"$0\" check metrics < \"$1\" 2>&1", promtool, file}, {}, "", ""},
      std::chrono::seconds(20));
  std::filesystem::remove(file);
  if (check.exit_code == 0) return "";
  // Exit code 3 means lint remarks only; anything else (1: unparsable) fails as it is.
  if (check.exit_code != 3) return "exit " + std::to_string(check.exit_code) + ": " + check.output;
  static const std::regex kExpected(
      R"(celery_active_(worker|process)_count non-histogram and non-summary metrics should not have "_count" suffix)");
  std::istringstream lines(check.output);
  std::string problems;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && !std::regex_match(line, kExpected)) problems += line + "\n";
  }
  return problems;
}

}  // namespace queuemon::testing
