#pragma once
// QueuemondProcess: the real queuemond binary as a child process for e2e tests. It writes a JSON
// config into its own temp dir (listen 127.0.0.1:0, one source "celery" on the given broker,
// the caller's cache settings), starts `queuemond --config PATH` with stdout+stderr going to a
// log file, reads the bound port from the "listening on ... (port N)" log line and returns once
// GET /healthz answers 200 (polled with a deadline). Throws std::runtime_error with the log if
// that does not happen.
//
//   QueuemondConfig config;
//   config.broker_url = redis.url();
//   config.caches_json = R"({"worker_status": {"ttl_seconds": 3}})";
//   QueuemondProcess daemon(config);
//   auto response = daemon.Get("/api/v1/celery/workers/status");
//   EXPECT_EQ(daemon.Stop(), 0);  // SIGTERM, graceful drain, exit code
//
// The binary is $QUEUEMON_BINARY_DIR/daemon/queuemond (ctest sets the variable). The destructor
// SIGKILLs a daemon that is still running and removes the temp dir. Not thread-safe, except
// Get/Request, which open their own connection per call and may run on any thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/testing/http_client.h"
#include "tests/testing/subprocess_runner.h"

namespace queuemon::testing {

struct QueuemondConfig {
  std::string broker_url;              // e.g. RedisServer::url()
  std::vector<std::string> queues;     // the source's "queues" (reported even if unconsumed)
  std::string caches_json = "{}";      // the "caches" object, spliced in as is
  std::string source_extra_json;       // more keys of the source object, e.g. R"("x": 1)"
  std::string top_extra_json;          // more top-level keys, e.g. R"("http": {...})"
  std::string more_sources_json;       // more source objects after "celery", e.g. R"({"kind": "rq", ...})"
  std::chrono::milliseconds warmup_deadline{5000};
  std::vector<std::string> env;        // extra environment, e.g. "NOTIFY_SOCKET=/path"
};

class QueuemondProcess final {
 public:
  // Starts the daemon and waits until /healthz answers (bounded by `deadline`).
  explicit QueuemondProcess(const QueuemondConfig& config,
                            std::chrono::milliseconds deadline = std::chrono::seconds(20));
  ~QueuemondProcess();
  QueuemondProcess(const QueuemondProcess&) = delete;
  QueuemondProcess& operator=(const QueuemondProcess&) = delete;

  static std::string Binary();

  std::uint16_t port() const { return port_; }
  std::string config_path() const { return dir_ + "/queuemond.json"; }
  std::string log() const;  // everything the daemon wrote so far
  // Reaps an exited daemon (Stop() then no longer knows its exit status).
  bool running() { return process_.running(); }
  // Sends `signal` (e.g. SIGHUP to reload) to the daemon.
  void Signal(int signal) { process_.Signal(signal); }

  // Polls GET /readyz until it answers 200; false at the deadline.
  bool WaitReady(std::chrono::milliseconds deadline = std::chrono::seconds(20)) const;

  // SIGTERM, then waits for exit. Returns the exit code, or -1 if the daemon died of a signal
  // or was still running at the deadline (it is SIGKILLed then).
  int Stop(std::chrono::milliseconds deadline = std::chrono::seconds(15));

  // Rewrites the config file (same layout as at start) for a later SIGHUP; the daemon's port
  // and listen address stay as they are ("listen" is always 127.0.0.1:0 in the file).
  void RewriteConfig(const QueuemondConfig& config) const { WriteConfig(config); }

  // One request on a fresh connection; nullopt if connecting, writing or reading failed.
  std::optional<HttpResponse> Request(const std::string& method, const std::string& target,
                                      const std::map<std::string, std::string>& headers = {},
                                      const std::string& body = {}) const;
  std::optional<HttpResponse> Get(const std::string& target,
                                  const std::map<std::string, std::string>& headers = {}) const {
    return Request("GET", target, headers);
  }

  // The value of one sample of GET /metrics, named with its labels exactly as exposed, e.g.
  // R"(queuemon_broker_reconnects_total{source="celery"})"; nullopt if /metrics did not answer
  // 200 or has no such sample.
  std::optional<double> Metric(const std::string& series) const;

 private:
  void WriteConfig(const QueuemondConfig& config) const;
  std::uint16_t WaitForPort(std::chrono::steady_clock::time_point deadline);

  std::string dir_;
  ChildProcess process_;
  std::uint16_t port_ = 0;
};

}  // namespace queuemon::testing
