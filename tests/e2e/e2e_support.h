#pragma once
// Shared pieces of the e2e suites (tests/daemon/e2e_*_test.cc): a real redis-server, two real
// Celery workers (w1, w2, both sending events) and the real queuemond binary, plus small helpers
// to read its answers. Ground truth comes from redis-server / redis-py / the celery CLI, never
// from queuemon code.

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/celery_workers.h"
#include "tests/testing/http_client.h"
#include "tests/testing/promtool.h"
#include "tests/testing/queuemond_process.h"
#include "tests/testing/redis_server.h"

namespace queuemon::e2e {

inline constexpr const char* kApi = "/api/v1/celery";
// A queue no worker consumes, listed in the daemon's config: its depth only changes when a
// test sends to it.
inline constexpr const char* kUnconsumed = "unconsumed";

// The body as JSON (discarded value if it is not JSON).
inline nlohmann::json Json(const std::optional<testing::HttpResponse>& response) {
  if (!response) return nlohmann::json::value_t::discarded;
  return nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
}

// "HIT" / "MISS" / "STALE", or "" when there is no response or no header.
inline std::string XCache(const std::optional<testing::HttpResponse>& response) {
  return response ? response->Header("X-Cache") : std::string();
}

// The status, or 0 when there was no response.
inline int Status(const std::optional<testing::HttpResponse>& response) {
  return response ? response->status : 0;
}

// SendOptions built positionally (designated initializers trip -Wmissing-field-initializers).
inline testing::SendOptions Send(std::string args, std::string queue = "",
                                 std::optional<int> priority = {}, int count = 1) {
  testing::SendOptions o;
  o.args_json = std::move(args);
  o.queue = std::move(queue);
  o.priority = priority;
  o.count = count;
  return o;
}

// A sample value from a Prometheus text body, e.g.
// MetricValue(text, R"(queuemon_snapshot_age_seconds{source="celery",view="workers"})").
inline std::optional<double> MetricValue(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
    }
  }
  return std::nullopt;
}

// The broker-fault suites' daemon (fault_broker_test, hostile_broker_restart_test): one source on
// `broker_url` watching queue "jobs", with short deadlines so a fault shows quickly: broker
// connect, command and inspect deadlines kFastBrokerDeadline, http.request_timeout_ms
// kFastRequestTimeout, a 1 s warm-up, and queue_status fresh for 0.3 s then served STALE for
// 300 s (so a cached view outlives any outage the tests cause).
inline constexpr std::chrono::milliseconds kFastBrokerDeadline{200};
inline constexpr std::chrono::milliseconds kFastRequestTimeout{500};

inline testing::QueuemondConfig FastDeadlineConfig(const std::string& broker_url) {
  const std::string broker_ms = std::to_string(kFastBrokerDeadline.count());
  testing::QueuemondConfig config;
  config.broker_url = broker_url;
  config.queues = {"jobs"};
  config.warmup_deadline = std::chrono::milliseconds(1000);
  config.top_extra_json =
      R"("http": {"request_timeout_ms": )" + std::to_string(kFastRequestTimeout.count()) + "}";
  config.caches_json = R"({"queue_status": {"ttl_seconds": 0.3, "stale_for_seconds": 300}})";
  config.source_extra_json = R"("connect_timeout_ms": )" + broker_ms +
                             R"(, "command_timeout_ms": )" + broker_ms +
                             R"(, "inspect_timeout_ms": )" + broker_ms;
  return config;
}

// One suite's world: redis + w1/w2 (both sending task events) + a daemon with `caches_json`
// (and `source_extra_json`, more keys of its source; `top_extra_json`, more top-level keys),
// watching kUnconsumed too.
class Environment final {
 public:
  Environment(const std::string& caches_json, const std::string& log_name,
              const std::string& source_extra_json = "", const std::string& top_extra_json = "")
      : workers(redis.url(0), ::testing::TempDir() + "/" + log_name) {
    testing::CeleryWorkerSpec w1, w2;
    w1.name = "w1";
    w2.name = "w2";
    workers.Start({w1, w2});
    testing::QueuemondConfig config = DaemonConfig(caches_json, source_extra_json);
    config.top_extra_json = top_extra_json;
    daemon = std::make_unique<testing::QueuemondProcess>(config);
    if (!daemon->WaitReady()) throw std::runtime_error("queuemond not ready:\n" + daemon->log());
  }

  testing::QueuemondConfig DaemonConfig(const std::string& caches_json,
                                        const std::string& source_extra_json = "") const {
    testing::QueuemondConfig config;
    config.broker_url = redis.url(0);
    config.queues = {kUnconsumed};
    config.caches_json = caches_json;
    // Binding sets are scanned every second, so a new queue shows within a test's patience.
    config.source_extra_json = R"("queue_discovery_interval_seconds": 1)";
    if (!source_extra_json.empty()) config.source_extra_json += ", " + source_extra_json;
    return config;
  }

  testing::RedisServer redis;
  testing::CeleryWorkers workers;
  std::unique_ptr<testing::QueuemondProcess> daemon;
};

// One redis + two workers + one daemon per test binary (SetUpTestSuite), shared by its tests.
// `Suite` names its config: static constexpr const char* kCachesJson, kLogName, and optionally
// kSourceExtraJson and kTopExtraJson. Set-up failures fail every test with the reason; teardown
// checks that the daemon exits with code 0.
template <typename Suite>
class SharedEnvironmentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string source_extra, top_extra;
    if constexpr (requires { Suite::kSourceExtraJson; }) source_extra = Suite::kSourceExtraJson;
    if constexpr (requires { Suite::kTopExtraJson; }) top_extra = Suite::kTopExtraJson;
    try {
      env_ = new Environment(Suite::kCachesJson, Suite::kLogName, source_extra, top_extra);
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    if (env_ != nullptr && env_->daemon) {
      const int code = env_->daemon->Stop();
      if (code != 0) ADD_FAILURE() << "queuemond exit code " << code << "\n" << env_->daemon->log();
    }
    delete env_;
    env_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(env_, nullptr) << setup_error_; }

  static testing::QueuemondProcess& Daemon() { return *env_->daemon; }

  static inline Environment* env_ = nullptr;
  static inline std::string setup_error_;
};

}  // namespace queuemon::e2e
