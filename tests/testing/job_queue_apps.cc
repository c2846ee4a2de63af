#include "tests/testing/job_queue_apps.h"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace queuemon::testing {
namespace {

std::string SourceDir() {
  const char* dir = std::getenv("QUEUEMON_SOURCE_DIR");
  if (dir == nullptr) throw std::runtime_error("QUEUEMON_SOURCE_DIR is not set: run through ctest");
  return dir;
}

// The parent pid from /proc/<pid>/stat ("pid (comm) state ppid ..."; comm may hold spaces and
// parentheses, so read after the last ')'), or -1.
pid_t ParentOf(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  char state = 0;
  int ppid = -1;
  if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) != 2) return -1;
  return ppid;
}

// SIGKILLs every descendant of `parent`. RQ runs each job in a forked "work horse" that leaves
// the worker's process group, so killing the group would orphan a horse busy with a long job.
void KillDescendants(pid_t parent) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (ParentOf(name) != parent) continue;
    const pid_t child = static_cast<pid_t>(std::stol(name));
    KillDescendants(child);
    kill(child, SIGKILL);
  }
}

}  // namespace

JobQueueApp JobQueueApp::Rq(std::string redis_url, std::string log_dir) {
  JobQueueApp app({"/usr/bin/python3"}, SourceDir() + "/tests/rq_app", "ctl.py",
                  "QUEUEMON_RQ_REDIS=" + redis_url, std::move(log_dir));
  app.rq_ = true;
  return app;
}

JobQueueApp JobQueueApp::Sidekiq(std::string redis_url, std::string log_dir) {
  return JobQueueApp({"/usr/bin/ruby"}, SourceDir() + "/tests/sidekiq_app", "ctl.rb",
                     "QUEUEMON_SIDEKIQ_REDIS=" + redis_url, std::move(log_dir));
}

JobQueueApp::JobQueueApp(std::vector<std::string> interpreter, std::string app_dir,
                         std::string ctl, std::string env, std::string log_dir)
    : interpreter_(std::move(interpreter)),
      app_dir_(std::move(app_dir)),
      ctl_(std::move(ctl)),
      env_(std::move(env)),
      log_dir_(std::move(log_dir)) {}

JobQueueApp::~JobQueueApp() {
  for (ChildProcess& w : workers_) KillDescendants(w.pid());
  // Then each ChildProcess SIGKILLs its worker's group.
}

ProcessSpec JobQueueApp::Spec(std::vector<std::string> argv, const std::string& log_name) const {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.cwd = app_dir_;
  spec.extra_env = {env_, "PYTHONPATH=" + app_dir_, "PYTHONDONTWRITEBYTECODE=1"};
  spec.log_path = log_dir_ + "/" + log_name + ".log";
  return spec;
}

void JobQueueApp::StartWorker(const std::string& name, const std::vector<std::string>& queues) {
  std::vector<std::string> argv;
  if (rq_) {
    const std::string url = env_.substr(env_.find('=') + 1);
    argv = {"/usr/bin/rqworker", "--url", url, "--name", name};
    argv.insert(argv.end(), queues.begin(), queues.end());
  } else {
    argv = {"/usr/bin/sidekiq", "-r", "./app.rb", "-c", "2", "-g", name};
    for (const std::string& q : queues) {
      argv.push_back("-q");
      argv.push_back(q);
    }
  }
  workers_.push_back(ChildProcess::Start(Spec(std::move(argv), name)));
}

void JobQueueApp::StopWorkers() {
  for (ChildProcess& w : workers_) KillDescendants(w.pid());  // a warm stop would await their jobs
  for (ChildProcess& w : workers_) w.Signal(SIGTERM);
  for (ChildProcess& w : workers_) w.Stop(std::chrono::seconds(15));
  workers_.clear();
}

std::string JobQueueApp::Ctl(const std::vector<std::string>& args,
                             std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = interpreter_;
  argv.push_back(app_dir_ + "/" + ctl_);
  argv.insert(argv.end(), args.begin(), args.end());
  const ProcessResult result = RunProcess(Spec(std::move(argv), "ctl"), timeout);
  if (result.exit_code != 0) {
    throw std::runtime_error(ctl_ + " " + (args.empty() ? "" : args[0]) + " failed (exit " +
                             std::to_string(result.exit_code) + "); see " + log_dir_ + "/ctl.log");
  }
  return result.output;
}

nlohmann::json JobQueueApp::CtlJson(const std::vector<std::string>& args) {
  return nlohmann::json::parse(Ctl(args));
}

}  // namespace queuemon::testing
