// Signals under load at daemon level (issue "Reliability and security", item 1): the real
// queuemond binary against a real redis-server and a real Celery worker, hammered by HttpLoad
// (6 threads, keep-alive, 3 HIT : 1 use_cache=false MISS requests) while it gets
//   - SIGTERM, while a silent pidbox node keeps every bypass in flight for 1-2 s: the drain
//     (design.md, daemon.h) answers every request that reached the daemon before it began —
//     those answered after it began with `Connection: close` — closes idle keep-alive connections
//     cleanly and exits 0 before its deadline. So: every request sent before the signal gets a
//     complete valid response; a request sent after it gets a complete response, a clean close
//     before any byte, or a refused/reset connect; no response is ever cut short.
//   - SIGHUP with a broken config: rejected with the bad key's path in the log, the old config
//     keeps serving (its cache sizes stay in /cache/stats), no request fails; a later SIGHUP
//     with a good config applies.
// SIGTERM/SIGHUP without load are covered by daemon_process_test. Label e2e.
#include <signal.h>

#include <chrono>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_support.h"
#include "tests/testing/celery_workers.h"
#include "tests/testing/eventually.h"
#include "tests/testing/http_client.h"
#include "tests/testing/http_load.h"
#include "tests/testing/queuemond_process.h"
#include "tests/testing/redis_server.h"

namespace queuemon::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kHit = "/api/v1/celery/workers/status";
constexpr const char* kMiss = "/api/v1/celery/queues/status?use_cache=false";
// What each HttpLoad thread cycles through: mostly cache hits, one bypass in four.
const std::vector<std::string> kMix = {kHit, kHit, kHit, kMiss};
constexpr int kThreads = 6;
constexpr auto kDrain = 5s;  // http.drain_timeout_ms below
// After the drain: the daemon's own grace for its io threads (daemon.cc) plus process exit.
constexpr auto kExitGrace = 3s;

// A valid answer: 200, JSON object body, and the X-Cache the target asks for.
bool ValidStatus(const std::string& target, const testing::HttpResponse& response) {
  if (response.status != 200) return false;
  const std::string x_cache = response.Header("X-Cache");
  const bool bypass = target.find("use_cache=false") != std::string::npos;
  if (bypass ? x_cache != "MISS" : (x_cache != "HIT" && x_cache != "MISS")) return false;
  return json::parse(response.body, nullptr, false).is_object();
}

std::string Describe(const testing::HttpLoadCounts& c) {
  std::ostringstream out;
  out << "sent " << c.sent << ", complete " << c.complete << " (" << c.closed_after_response
      << " with Connection: close), invalid " << c.invalid
      << ", unanswered " << c.unanswered << ", reset " << c.reset << ", truncated "
      << c.truncated << ", timeouts " << c.timeouts << ", other " << c.other
      << ", send failures " << c.send_failures << ", connect failures " << c.connect_failures
      << "; status:";
  for (const auto& [status, n] : c.by_status) out << " " << status << "x" << n;
  return out.str();
}

class FaultSignalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workers_ = std::make_unique<testing::CeleryWorkers>(
        redis_.url(0), ::testing::TempDir() + "/fault_signals_logs");
    testing::CeleryWorkerSpec w1;
    w1.name = "w1";
    workers_->Start({w1});
  }

  testing::QueuemondConfig Config(const std::string& caches_json) const {
    testing::QueuemondConfig config;
    config.broker_url = redis_.url(0);
    config.caches_json = caches_json;
    // request_timeout: a bypass may wait for a running round and then its own (2 x 1 s).
    config.top_extra_json = R"("http": {"drain_timeout_ms": 5000, "request_timeout_ms": 4000})";
    return config;
  }
  void StartDaemon(const std::string& caches_json) {
    daemon_ = std::make_unique<testing::QueuemondProcess>(Config(caches_json));
    ASSERT_TRUE(daemon_->WaitReady()) << daemon_->log();
  }

  // Waits until the load has completed `more` requests beyond what it had at the call.
  bool LoadProgresses(const testing::HttpLoad& load, std::uint64_t more) const {
    const std::uint64_t from = load.Counts().complete;
    return testing::Eventually([&] { return load.Counts().complete >= from + more; }, 20s);
  }

  std::size_t LogCount(const std::string& text) const {
    const std::string log = daemon_->log();
    std::size_t n = 0;
    for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
    return n;
  }

  json WorkerCacheStats() const {
    return Json(daemon_->Get(std::string(kApi) + "/cache/stats"))["caches"]["worker_status"];
  }

  testing::RedisServer redis_;
  std::unique_ptr<testing::CeleryWorkers> workers_;
  std::unique_ptr<testing::QueuemondProcess> daemon_;  // destroyed first
};

TEST_F(FaultSignalsTest, SigtermUnderLoadAnswersWhatWasSentAndExitsZero) {
  // worker_status: long TTL, so kHit stays a HIT while collections slow down below.
  ASSERT_NO_FATAL_FAILURE(StartDaemon(R"({"worker_status": {"ttl_seconds": 30}})"));
  testing::HttpLoad load(daemon_->port(), kMix, kThreads, ValidStatus);
  load.Start();
  ASSERT_TRUE(LoadProgresses(load, 500)) << Describe(load.Counts());
  ASSERT_GT(load.Counts().by_x_cache["MISS"], 0u);

  // A pidbox node that never replies: from now on every inspect round waits for its timeout
  // (1 s), so each bypass request is in flight for 1-2 s and the signal lands on several.
  testing::ChildProcess silent = workers_->StartFakeNode("silent@qm", /*silent=*/true);
  auto in_flight = std::make_unique<testing::HttpClient>(daemon_->port());
  // A first exchange proves the daemon accepted the connection and registered its session: a
  // connection still in the accept backlog at SIGTERM would be refused, not drained.
  const auto warm = in_flight->Request("GET", "/healthz");
  ASSERT_TRUE(warm && warm->keep_alive);
  ASSERT_TRUE(in_flight->Send("GET", std::string(kApi) + "/tasks/status?use_cache=false"));
  const Clock::time_point signalled = Clock::now();
  auto exit_code = std::async(std::launch::async, [&] { return daemon_->Stop(kDrain + kExitGrace); });
  const auto answer = in_flight->Read();
  in_flight.reset();  // close now: the daemon's lingering close waits for it
  EXPECT_EQ(exit_code.get(), 0) << daemon_->log();
  const testing::HttpLoadCounts counts = load.Stop();

  ASSERT_TRUE(answer) << "the request in flight at SIGTERM got no (complete) response";
  EXPECT_TRUE(ValidStatus("?use_cache=false", *answer)) << answer->status << " " << answer->body;
  EXPECT_FALSE(answer->keep_alive) << "answered during the drain, so with Connection: close";
  EXPECT_GT(counts.closed_after_response, 0u) << "no load request was in flight at SIGTERM";
  RecordProperty("load", Describe(counts));
  EXPECT_EQ(counts.truncated, 0u) << Describe(counts);
  EXPECT_EQ(counts.timeouts, 0u) << Describe(counts);
  EXPECT_EQ(counts.other, 0u) << Describe(counts);
  if (counts.first_failure_started) {
    EXPECT_GE(*counts.first_failure_started, signalled)
        << "a request sent "
        << std::chrono::duration<double, std::milli>(signalled - *counts.first_failure_started).count()
        << " ms before SIGTERM did not get a complete valid response: " << Describe(counts);
  }
  for (const auto& [status, n] : counts.by_status) {
    // 503 is the refusal of a connection accepted while stopping (after the signal, see above).
    EXPECT_TRUE(status == 200 || status == 503) << status << " x" << n;
  }
  const std::string log = daemon_->log();
  EXPECT_NE(log.find("stopping: draining connections"), std::string::npos) << log;
  EXPECT_EQ(log.find("drain deadline passed"), std::string::npos) << log;
}

TEST_F(FaultSignalsTest, SighupWithBrokenConfigUnderLoadKeepsServingThenGoodOneApplies) {
  ASSERT_NO_FATAL_FAILURE(
      StartDaemon(R"({"worker_status": {"ttl_seconds": 1, "max_entries": 77}})"));
  testing::HttpLoad load(daemon_->port(), kMix, kThreads, ValidStatus);
  load.Start();
  ASSERT_TRUE(LoadProgresses(load, 300)) << Describe(load.Counts());

  // Broken: a bad value next to a valid change; nothing of it may apply.
  daemon_->RewriteConfig(
      Config(R"({"worker_status": {"ttl_seconds": "soon", "max_entries": 99}})"));
  daemon_->Signal(SIGHUP);
  ASSERT_TRUE(testing::Eventually([&] { return LogCount("reload rejected") == 1; }, 10s))
      << daemon_->log();
  EXPECT_NE(daemon_->log().find("caches.worker_status.ttl_seconds: must be a number of seconds"),
            std::string::npos)
      << "the log names the bad key:\n" << daemon_->log();
  ASSERT_TRUE(LoadProgresses(load, 300)) << Describe(load.Counts());
  EXPECT_EQ(WorkerCacheStats()["max_size"], 77) << "the old cache settings stay in effect";

  daemon_->RewriteConfig(Config(R"({"worker_status": {"ttl_seconds": 1, "max_entries": 88}})"));
  daemon_->Signal(SIGHUP);
  ASSERT_TRUE(testing::Eventually([&] { return LogCount("configuration reloaded") == 1; }, 10s))
      << daemon_->log();
  EXPECT_EQ(WorkerCacheStats()["max_size"], 88) << "the good config applies";
  ASSERT_TRUE(LoadProgresses(load, 300)) << Describe(load.Counts());

  const testing::HttpLoadCounts counts = load.Stop();
  RecordProperty("load", Describe(counts));
  EXPECT_EQ(counts.failures(), 0u) << Describe(counts);
  EXPECT_EQ(counts.complete, counts.sent) << Describe(counts);
  EXPECT_EQ(counts.by_status.size(), 1u) << Describe(counts);
  EXPECT_EQ(daemon_->Stop(), 0) << daemon_->log();
}

}  // namespace
}  // namespace queuemon::e2e
