#pragma once
// JobQueueApp: the RQ or Sidekiq test app (tests/rq_app, tests/sidekiq_app) on a test
// redis-server: real worker processes from Debian's python3-rq (/usr/bin/rqworker, run by
// /usr/bin/python3) and ruby-sidekiq (/usr/bin/sidekiq), and the app's ctl script, which sets
// up scenarios and reports what the library's own API says (the tests' ground truth) as JSON.
// Worker logs go to <log_dir>/<name>.log; the destructor SIGKILLs what still runs. Not
// thread-safe; use from the test thread.
//
//   auto rq = JobQueueApp::Rq(redis.url(0), log_dir);
//   rq.StartWorker("rw1", {"default", "high"});
//   rq.Ctl({"wait-workers", "1"});
//   const nlohmann::json truth = rq.CtlJson({"truth"});

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/testing/subprocess_runner.h"

namespace queuemon::testing {

class JobQueueApp final {
 public:
  static JobQueueApp Rq(std::string redis_url, std::string log_dir);
  static JobQueueApp Sidekiq(std::string redis_url, std::string log_dir);
  JobQueueApp(JobQueueApp&&) = default;
  ~JobQueueApp();

  // A worker (RQ: one worker process; Sidekiq: one process with 2 threads) on `queues`.
  void StartWorker(const std::string& name, const std::vector<std::string>& queues);
  // SIGTERM to every worker, each waited for (a graceful stop deregisters it).
  void StopWorkers();
  // Runs the ctl script; throws std::runtime_error (with the log path) unless it exits 0.
  std::string Ctl(const std::vector<std::string>& args,
                  std::chrono::milliseconds timeout = std::chrono::seconds(60));
  nlohmann::json CtlJson(const std::vector<std::string>& args);
  // The id under `key` of a scenario's output ({"ok": [ids], "slow": id, ...}): element `i` of
  // a list, or the single id.
  static std::string Id(const nlohmann::json& ids, const char* key, std::size_t i = 0) {
    const nlohmann::json& v = ids.at(key);
    return v.is_array() ? v.at(i).get<std::string>() : v.get<std::string>();
  }

 private:
  JobQueueApp(std::vector<std::string> interpreter, std::string app_dir, std::string ctl,
              std::string env, std::string log_dir);
  ProcessSpec Spec(std::vector<std::string> argv, const std::string& log_name) const;

  std::vector<std::string> interpreter_;  // runs the ctl script
  std::string app_dir_, ctl_, env_, log_dir_;
  bool rq_ = false;
  std::vector<ChildProcess> workers_;
};

}  // namespace queuemon::testing
