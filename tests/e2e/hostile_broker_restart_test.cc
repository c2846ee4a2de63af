// Fault test (issue "Reliability and security"): the real queuemond binary polled steadily while
// its real redis-server is killed (SIGKILL) and restarted five times. Every request completes
// within the client's deadline (no hang), cached views are served STALE while the broker is
// gone (within stale_for), fresh requests fail fast with a JSON 503/504 and Retry-After, and
// fresh data comes back after each restart. The reconnect backoff is observable: each outage
// logs one "broker link down" line and each recovery one "broker link up again" line (state
// changes, not attempts), and the queuemon_broker_* counters and backoff gauge move. Label e2e.
#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_support.h"
#include "tests/testing/eventually.h"
#include "tests/testing/http_client.h"
#include "tests/testing/numbered.h"
#include "tests/testing/queuemond_process.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/subprocess_runner.h"

namespace queuemon::daemon {
namespace {

using namespace std::chrono_literals;
using testing::HttpClient;
using testing::ProcessSpec;

constexpr int kRounds = 5;
constexpr auto kClientDeadline = 10 * e2e::kFastRequestTimeout;  // a hang, not slowness
constexpr auto kDeadline = 20s;
constexpr char kFailures[] = R"(queuemon_broker_connect_failures_total{source="celery"})";
constexpr char kDisconnects[] = R"(queuemon_broker_disconnects_total{source="celery"})";
constexpr char kReconnects[] = R"(queuemon_broker_reconnects_total{source="celery"})";
constexpr char kBackoff[] = R"(queuemon_broker_backoff_seconds{source="celery"})";

// Polls every 10 ms (each check may be an HTTP request or a log read).
bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds within) {
  return testing::Eventually(condition, within, 10ms);
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class HostileBrokerRestartTest : public ::testing::Test {
 protected:
  ~HostileBrokerRestartTest() override { daemon_.Stop(5s); }

  // Makes the "jobs" list hold exactly `n` messages (redis-cli; the test's only Redis client).
  void SetQueueLength(int n) {
    std::vector<std::string> argv = {"/usr/bin/redis-cli", "-p", std::to_string(redis_.port())};
    auto del = argv;
    del.insert(del.end(), {"DEL", "jobs"});
    ASSERT_EQ(testing::RunProcess(ProcessSpec{del, {}, "", ""}, kDeadline).exit_code, 0);
    if (n == 0) return;
    argv.insert(argv.end(), {"RPUSH", "jobs"});
    for (int i = 0; i < n; ++i) argv.push_back(testing::Numbered("m", i));
    ASSERT_EQ(testing::RunProcess(ProcessSpec{argv, {}, "", ""}, kDeadline).exit_code, 0);
  }

  // One GET on a new connection; fails the test if it does not complete within the deadline.
  std::optional<testing::HttpResponse> Get(const std::string& target) {
    HttpClient client(daemon_.port(), kClientDeadline);
    auto response = client.Request("GET", target);
    EXPECT_TRUE(response) << target << ": no answer within " << kClientDeadline.count() << " ms";
    return response;
  }

  static std::optional<std::int64_t> TotalMessages(const testing::HttpResponse& response) {
    if (response.status != 200) return std::nullopt;
    const auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (!body.is_object() || !body.contains("total_messages")) return std::nullopt;
    return body["total_messages"].get<std::int64_t>();
  }

  double Metric(const char* series) const { return daemon_.Metric(series).value_or(-1); }
  std::size_t LogLines(const std::string& what) const { return Count(daemon_.log(), what); }

  testing::RedisServer redis_;
  testing::QueuemondProcess daemon_{e2e::FastDeadlineConfig(redis_.url(0))};
  const std::string down_line_ = "broker link down: celery[celery] broker " + redis_.url(0);
  const std::string up_line_ = "broker link up again: celery[celery] broker " + redis_.url(0);
};

TEST_F(HostileBrokerRestartTest, NoHangStaleWhileDownFreshAfterEachRestart) {
  double reconnects_before_restart = 0;
  for (int round = 1; round <= kRounds; ++round) {
    SCOPED_TRACE(testing::Numbered("round ", round));
    // Broker up: fresh data shows the current queue length.
    SetQueueLength(round);
    ASSERT_TRUE(Eventually(
        [&] {
          auto r = Get("/api/v1/celery/queues/status?use_cache=false");
          return r && TotalMessages(*r) == round;
        },
        kDeadline))
        << daemon_.log();
    if (round > 1) {  // recovered from the previous kill: counted, logged, backoff cleared
      EXPECT_TRUE(Eventually(
          [&] {
            return Metric(kReconnects) > reconnects_before_restart && Metric(kBackoff) == 0 &&
                   LogLines(up_line_) >= static_cast<std::size_t>(round - 1);
          },
          kDeadline))
          << daemon_.log();
    }
    const double failures_before = Metric(kFailures) + Metric(kDisconnects);
    const std::size_t down_before = LogLines(down_line_);

    redis_.Kill();
    // Broker gone: past the 0.3 s ttl the cached view is served STALE with the last value.
    bool saw_stale = false;
    ASSERT_TRUE(Eventually(
        [&] {
          auto r = Get("/api/v1/celery/queues/status");
          if (!r) return true;  // already failed; stop polling
          EXPECT_EQ(r->status, 200) << r->body;
          EXPECT_EQ(TotalMessages(*r), round) << r->body;
          saw_stale = r->Header("X-Cache") == "STALE";
          return saw_stale;
        },
        kDeadline));
    EXPECT_TRUE(saw_stale);
    // Fresh data is asked for explicitly: a JSON error, fast, never stale data.
    auto fresh = Get("/api/v1/celery/queues/status?use_cache=false");
    ASSERT_TRUE(fresh);
    EXPECT_TRUE(fresh->status == 503 || fresh->status == 504) << fresh->status << fresh->body;
    EXPECT_TRUE(nlohmann::json::parse(fresh->body, nullptr, false).contains("error"));
    EXPECT_TRUE(fresh->HasHeader("Retry-After"));
    auto health = Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    // The outage is visible: failures counted, a retry delay in the gauge, one log line.
    EXPECT_TRUE(Eventually(
        [&] {
          return Metric(kFailures) + Metric(kDisconnects) > failures_before &&
                 Metric(kBackoff) > 0 && LogLines(down_line_) == down_before + 1;
        },
        kDeadline))
        << daemon_.log();

    reconnects_before_restart = Metric(kReconnects);
    redis_.Restart();  // empty again (no persistence); the next round sets a new length
  }
  SetQueueLength(7);
  EXPECT_TRUE(Eventually(
      [&] {
        auto r = Get("/api/v1/celery/queues/status");  // the cache catches up by itself
        return r && TotalMessages(*r) == 7;
      },
      kDeadline))
      << daemon_.log();
  EXPECT_TRUE(Eventually([&] { return LogLines(up_line_) >= kRounds; }, kDeadline))
      << daemon_.log();
  // State changes, not attempts: one "down" line per outage however many failures it had.
  const std::string log = daemon_.log();
  EXPECT_EQ(Count(log, "broker link down:"), static_cast<std::size_t>(kRounds)) << log;
  EXPECT_LE(Count(log, "broker link up again:"), static_cast<std::size_t>(kRounds)) << log;
  EXPECT_GT(Metric(kFailures) + Metric(kDisconnects), kRounds);
}

}  // namespace
}  // namespace queuemon::daemon
