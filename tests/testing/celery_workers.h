#pragma once
// CeleryWorkers: real Celery worker processes (the test app tests/celery_app/tasks.py, run by
// the system interpreter /usr/bin/python3) on a test redis-server, plus helpers to send tasks
// and to ask the celery CLI for ground truth.
//
// Each worker runs `/usr/bin/python3 -m celery -A tasks worker -n <name>@qm -c 1 -P prefork
// --without-mingle --without-gossip -Q <queues> [-E]` in its own process group with cwd and
// PYTHONPATH at tests/celery_app; logs go to <log_dir>/<name>.log. Start() returns once every
// worker answers a ping (bounded by a deadline) and throws otherwise. The destructor SIGKILLs
// whatever is still running. Not thread-safe; use from the test thread.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "tests/testing/subprocess_runner.h"

namespace queuemon::testing {

struct CeleryWorkerSpec {
  std::string name;         // "w1" -> node "w1@qm"
  bool task_events = true;  // -E
  std::vector<std::string> queues{"celery", "reports"};
  int concurrency = 1;
};

struct SendOptions {
  std::string args_json = "[]";
  std::string queue;  // empty = default queue
  std::optional<int> priority;
  std::optional<double> countdown;  // seconds
  int count = 1;
};

class CeleryWorkers final {
 public:
  static constexpr const char* kHost = "qm";

  // broker_url: the fixture redis, e.g. "redis://127.0.0.1:<port>/0", or the fixture RabbitMQ;
  // backend_url: the result backend (empty: the broker, which only a Redis one can be).
  CeleryWorkers(std::string broker_url, std::string log_dir, std::string backend_url = "");
  ~CeleryWorkers();
  CeleryWorkers(const CeleryWorkers&) = delete;
  CeleryWorkers& operator=(const CeleryWorkers&) = delete;

  // Starts the workers in parallel and waits until each answers a ping.
  // Throws std::runtime_error (with the log path) when that does not happen within `deadline`.
  void Start(std::vector<CeleryWorkerSpec> specs,
             std::chrono::milliseconds deadline = std::chrono::seconds(30));

  std::size_t size() const { return workers_.size(); }
  std::string Node(std::size_t i) const;  // "w1@qm"
  pid_t Pid(std::size_t i) const { return workers_.at(i).process.pid(); }
  void Kill(std::size_t i);  // SIGKILL to the worker's process group (no worker-offline)
  void Stop(std::size_t i);  // SIGTERM, graceful (publishes worker-offline)
  bool Running(std::size_t i);

  // Sends `task` (name without the "tasks." prefix); returns the task ids.
  std::vector<std::string> Send(const std::string& task, const SendOptions& options = {});
  // `/usr/bin/python3 -m celery -A tasks <args>`, e.g. {"inspect", "stats", "--json"}.
  ProcessResult CeleryCli(const std::vector<std::string>& args,
                          std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // `python3 ctl.py <args>`.
  ProcessResult Ctl(const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // `python3 ctl.py <args>` left running (e.g. "fake-node"); killed when the result is destroyed.
  ChildProcess StartCtl(const std::vector<std::string>& args);
  // `ctl.py fake-node NODE [--silent]`, returned once it is subscribed to the pidbox (so every
  // later inspect round counts it as a receiver). A garbage-replying node, or with `silent` one
  // that never replies (rounds then wait for their timeout). Throws if not ready in time.
  ChildProcess StartFakeNode(const std::string& node, bool silent = false,
                             std::chrono::milliseconds deadline = std::chrono::seconds(15));

  static std::string AppDir();  // tests/celery_app

 private:
  struct Worker {
    CeleryWorkerSpec spec;
    ChildProcess process;
  };
  ProcessSpec PythonSpec(std::vector<std::string> args) const;

  std::string broker_url_;
  std::string log_dir_;
  std::string backend_url_;
  std::vector<Worker> workers_;
};

}  // namespace queuemon::testing
