// redis-cli MONITOR as a child process (see redis_monitor.h).
#include "tests/testing/redis_monitor.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/testing/eventually.h"

namespace queuemon::testing {
namespace {

constexpr auto kDeadline = std::chrono::seconds(10);
constexpr const char* kFenceMarker = "queuemon-monitor-fence-";

std::string FindCli() {
  if (const char* env = std::getenv("QUEUEMON_REDIS_CLI"); env != nullptr && *env != '\0') {
    return env;
  }
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::filesystem::path candidate = std::filesystem::path(dir) / "redis-cli";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  throw std::runtime_error("RedisMonitor: redis-cli not found on PATH");
}

}  // namespace

RedisMonitor::RedisMonitor(std::uint16_t port) : port_(port), cli_(FindCli()) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "queuemon-monitor-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("RedisMonitor: mkdtemp");
  dir_ = pattern;
  process_ = ChildProcess::Start(ProcessSpec{
      {cli_, "-h", "127.0.0.1", "-p", std::to_string(port_), "MONITOR"}, {}, "",
      dir_ + "/monitor.log"});
  // redis-cli prints "OK" once the server has switched the connection to MONITOR.
  if (!Eventually([&] { return Output().rfind("OK", 0) == 0; }, kDeadline)) {
    throw std::runtime_error("RedisMonitor: MONITOR not active: " + Output());
  }
}

RedisMonitor::~RedisMonitor() {
  process_ = ChildProcess();  // SIGKILL
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisMonitor::Output() const {
  std::ifstream in(dir_ + "/monitor.log");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> RedisMonitor::Fence() {
  const std::string marker = kFenceMarker + std::to_string(++fences_);
  const ProcessResult echo = RunProcess(
      ProcessSpec{{cli_, "-h", "127.0.0.1", "-p", std::to_string(port_), "ECHO", marker}, {}, "", ""},
      kDeadline);
  if (echo.exit_code != 0) throw std::runtime_error("RedisMonitor: ECHO failed");
  const std::string quoted = "\"ECHO\" \"" + marker + "\"";
  std::string text;
  if (!Eventually([&] { return (text = Output()).find(quoted) != std::string::npos; }, kDeadline)) {
    throw std::runtime_error("RedisMonitor: fence not seen in MONITOR output");
  }
  std::vector<std::string> lines;
  std::istringstream in(text.substr(0, text.find(quoted)));
  for (std::string line; std::getline(in, line);) {
    if (line == "OK" || line.find(kFenceMarker) != std::string::npos) continue;
    lines.push_back(line);
  }
  return lines;
}

}  // namespace queuemon::testing
