// Real Celery workers for integration tests.
#include "tests/testing/celery_workers.h"

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "tests/testing/eventually.h"

namespace queuemon::testing {
namespace {

constexpr const char* kPython = "/usr/bin/python3";  // owns python3-celery (Debian)

std::string Join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

}  // namespace

std::string CeleryWorkers::AppDir() {
  if (const char* src = std::getenv("QUEUEMON_SOURCE_DIR"); src != nullptr && *src != '\0') {
    return std::string(src) + "/tests/celery_app";
  }
  // Run outside ctest: this file lives in tests/testing/.
  return (std::filesystem::path(__FILE__).parent_path().parent_path() / "celery_app").string();
}

CeleryWorkers::CeleryWorkers(std::string broker_url, std::string log_dir, std::string backend_url)
    : broker_url_(std::move(broker_url)),
      log_dir_(std::move(log_dir)),
      backend_url_(std::move(backend_url)) {
  std::filesystem::create_directories(log_dir_);
}

CeleryWorkers::~CeleryWorkers() = default;  // each ChildProcess SIGKILLs its group

ProcessSpec CeleryWorkers::PythonSpec(std::vector<std::string> args) const {
  ProcessSpec spec;
  spec.argv = {kPython};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = AppDir();
  spec.extra_env = {"PYTHONPATH=" + AppDir(), "QUEUEMON_CELERY_BROKER=" + broker_url_,
                    "PYTHONDONTWRITEBYTECODE=1"};
  if (!backend_url_.empty()) spec.extra_env.push_back("QUEUEMON_CELERY_BACKEND=" + backend_url_);
  spec.log_path = log_dir_ + "/python.log";
  return spec;
}

void CeleryWorkers::Start(std::vector<CeleryWorkerSpec> specs, std::chrono::milliseconds deadline) {
  std::vector<std::string> nodes;
  for (auto& s : specs) {
    std::vector<std::string> args = {"-m",
                                     "celery",
                                     "-A",
                                     "tasks",
                                     "worker",
                                     "-n",
                                     s.name + "@" + kHost,
                                     "-c",
                                     std::to_string(s.concurrency),
                                     "-P",
                                     "prefork",
                                     "--without-mingle",
                                     "--without-gossip",
                                     "-Q",
                                     Join(s.queues, ","),
                                     "-l",
                                     "warning"};
    if (s.task_events) args.push_back("-E");
    ProcessSpec spec = PythonSpec(args);
    spec.log_path = log_dir_ + "/" + s.name + ".log";
    nodes.push_back(s.name + "@" + kHost);
    workers_.push_back(Worker{std::move(s), ChildProcess::Start(spec)});
  }
  std::vector<std::string> ctl = {"wait-ready"};
  ctl.insert(ctl.end(), nodes.begin(), nodes.end());
  ctl.push_back("--timeout");
  ctl.push_back(std::to_string(std::chrono::duration<double>(deadline).count()));
  const ProcessResult ready = Ctl(ctl, deadline + std::chrono::seconds(5));
  if (ready.exit_code != 0) {
    throw std::runtime_error("celery workers not ready (" + Join(nodes, ", ") + "); see logs in " +
                             log_dir_);
  }
}

std::string CeleryWorkers::Node(std::size_t i) const {
  return workers_.at(i).spec.name + "@" + kHost;
}

void CeleryWorkers::Kill(std::size_t i) {
  workers_.at(i).process.Signal(SIGKILL);
  workers_.at(i).process.Wait(std::chrono::seconds(5));
}

void CeleryWorkers::Stop(std::size_t i) { workers_.at(i).process.Stop(std::chrono::seconds(10)); }

bool CeleryWorkers::Running(std::size_t i) { return workers_.at(i).process.running(); }

std::vector<std::string> CeleryWorkers::Send(const std::string& task, const SendOptions& o) {
  std::vector<std::string> args = {"send",      task,      "--args",
                                   o.args_json, "--count", std::to_string(o.count)};
  if (!o.queue.empty()) args.insert(args.end(), {"--queue", o.queue});
  if (o.priority) args.insert(args.end(), {"--priority", std::to_string(*o.priority)});
  if (o.countdown) args.insert(args.end(), {"--countdown", std::to_string(*o.countdown)});
  const ProcessResult r = Ctl(args);
  if (r.exit_code != 0) throw std::runtime_error("ctl.py send failed: " + task);
  std::vector<std::string> ids;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) ids.push_back(line);
  }
  return ids;
}

ProcessResult CeleryWorkers::CeleryCli(const std::vector<std::string>& args,
                                       std::chrono::milliseconds timeout) {
  std::vector<std::string> all = {"-m", "celery", "-A", "tasks"};
  all.insert(all.end(), args.begin(), args.end());
  return RunProcess(PythonSpec(all), timeout);
}

ProcessResult CeleryWorkers::Ctl(const std::vector<std::string>& args,
                                 std::chrono::milliseconds timeout) {
  std::vector<std::string> all = {AppDir() + "/ctl.py"};
  all.insert(all.end(), args.begin(), args.end());
  return RunProcess(PythonSpec(all), timeout);
}

ChildProcess CeleryWorkers::StartCtl(const std::vector<std::string>& args) {
  std::vector<std::string> all = {AppDir() + "/ctl.py"};
  all.insert(all.end(), args.begin(), args.end());
  return ChildProcess::Start(PythonSpec(all));
}

ChildProcess CeleryWorkers::StartFakeNode(const std::string& node, bool silent,
                                          std::chrono::milliseconds deadline) {
  std::vector<std::string> args = {"fake-node", node};
  if (silent) args.push_back("--silent");
  ChildProcess fake = StartCtl(args);
  const bool ready = Eventually(
      [&] { return Ctl({"get", "fake-node-ready:" + node}).output == "1\n"; }, deadline,
      std::chrono::milliseconds(100));
  if (!ready) throw std::runtime_error("fake node " + node + " not subscribed; see " + log_dir_);
  return fake;
}

}  // namespace queuemon::testing
