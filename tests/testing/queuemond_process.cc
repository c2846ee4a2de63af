// The real queuemond as a child process (see queuemond_process.h).
#include "tests/testing/queuemond_process.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "tests/testing/eventually.h"

namespace queuemon::testing {
namespace {


std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "queuemon-e2e-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("QueuemondProcess: mkdtemp");
  return pattern;
}

}  // namespace

std::string QueuemondProcess::Binary() {
  const char* dir = std::getenv("QUEUEMON_BINARY_DIR");
  return std::string(dir != nullptr && *dir != '\0' ? dir : ".") + "/daemon/queuemond";
}

QueuemondProcess::QueuemondProcess(const QueuemondConfig& config,
                                   std::chrono::milliseconds deadline)
    : dir_(MakeTempDir()) {
  if (!std::filesystem::exists(Binary())) {
    throw std::runtime_error(Binary() + " not found; run through ctest (QUEUEMON_BINARY_DIR)");
  }
  WriteConfig(config);
  const auto end = std::chrono::steady_clock::now() + deadline;
  process_ = ChildProcess::Start(
      ProcessSpec{{Binary(), "--config", config_path()}, config.env, "", dir_ + "/queuemond.log"});
  port_ = WaitForPort(end);
  const bool live = port_ != 0 && Eventually(
      [&] {
        const auto response = Get("/healthz");
        return response && response->status == 200;
      },
      std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()));
  if (!live) {
    throw std::runtime_error("queuemond did not answer /healthz; its log:\n" + log());
  }
}

QueuemondProcess::~QueuemondProcess() {
  process_ = ChildProcess();  // SIGKILLs a daemon still running
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void QueuemondProcess::WriteConfig(const QueuemondConfig& config) const {
  std::ostringstream queues;
  for (std::size_t i = 0; i < config.queues.size(); ++i) {
    queues << (i ? ", " : "") << Quoted(config.queues[i]);
  }
  std::ofstream out(config_path());
  out << "// written by tests/testing/queuemond_process.cc\n{\n"
      << "  \"listen\": \"127.0.0.1:0\",\n"
      << "  \"startup\": {\"warmup_deadline_ms\": " << config.warmup_deadline.count() << "},\n"
      << "  \"caches\": " << config.caches_json << ",\n"
      << (config.top_extra_json.empty() ? "" : "  " + config.top_extra_json + ",\n")
      << "  \"sources\": [{\"name\": \"celery\", \"broker\": " << Quoted(config.broker_url)
      << ", \"queues\": [" << queues.str() << "]"
      << (config.source_extra_json.empty() ? "" : ", " + config.source_extra_json) << "}"
      << (config.more_sources_json.empty() ? "" : ",\n    " + config.more_sources_json) << "]\n}\n";
  if (!out) throw std::runtime_error("QueuemondProcess: cannot write " + config_path());
}

// The port from the daemon's "listening on 127.0.0.1:0 (port N)" line.
std::uint16_t QueuemondProcess::WaitForPort(std::chrono::steady_clock::time_point deadline) {
  const std::regex port_line(R"(\(port (\d+)\))");
  std::uint16_t port = 0;
  Eventually(
      [&] {
        std::smatch match;
        const std::string text = log();
        if (!std::regex_search(text, match, port_line)) return !process_.running();
        port = static_cast<std::uint16_t>(std::stoi(match[1]));
        return true;
      },
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
  return port;
}

std::string QueuemondProcess::log() const {
  std::ifstream in(dir_ + "/queuemond.log");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool QueuemondProcess::WaitReady(std::chrono::milliseconds deadline) const {
  return Eventually(
      [&] {
        const auto response = Get("/readyz");
        return response && response->status == 200;
      },
      deadline);
}

int QueuemondProcess::Stop(std::chrono::milliseconds deadline) {
  // No running() check first: it would reap an exited daemon and lose its exit status.
  process_.Signal(SIGTERM);
  const std::optional<int> status = process_.Wait(deadline);
  if (!status) {
    process_ = ChildProcess();  // SIGKILL
    return -1;
  }
  return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

std::optional<double> QueuemondProcess::Metric(const std::string& series) const {
  const auto response = Get("/metrics");
  if (!response || response->status != 200) return std::nullopt;
  const std::string prefix = series + " ";
  for (std::size_t at = 0; at < response->body.size();) {
    const std::size_t end = std::min(response->body.find('\n', at), response->body.size());
    if (response->body.compare(at, prefix.size(), prefix) == 0) {
      return std::strtod(response->body.substr(at + prefix.size(), end - at - prefix.size()).c_str(),
                         nullptr);
    }
    at = end + 1;
  }
  return std::nullopt;
}

std::optional<HttpResponse> QueuemondProcess::Request(
    const std::string& method, const std::string& target,
    const std::map<std::string, std::string>& headers, const std::string& body) const {
  try {
    HttpClient client(port_);
    return client.Request(method, target, headers, body);
  } catch (const std::runtime_error&) {
    return std::nullopt;  // could not connect
  }
}

}  // namespace queuemon::testing
