// Broker faults that are not outages (issue "Reliability and security"): the real queuemond
// binary in front of a broker that accepts connections and never answers (blackholed) or
// answers only after twice the command deadline (slow). Every HTTP request is answered (the
// client gives up after 10 x http.request_timeout_ms: a hang, not slowness) with the cached
// value served STALE, or a JSON 503/504 with Retry-After; /healthz and /metrics stay
// responsive; the broker-link metrics and log lines show the trouble; and once the broker is
// fast again, fresh data comes back. The slow and late-blackholed brokers are a DelayingProxy in
// front of a real redis-server; the blackholed-from-the-start one is a BlackholeListener.
// Label e2e.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_support.h"
#include "tests/testing/blackhole_listener.h"
#include "tests/testing/delaying_proxy.h"
#include "tests/testing/eventually.h"
#include "tests/testing/http_client.h"
#include "tests/testing/numbered.h"
#include "tests/testing/queuemond_process.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/subprocess_runner.h"

namespace queuemon::daemon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::HttpResponse;

constexpr auto kCommandDeadline = e2e::kFastBrokerDeadline;
constexpr auto kClientDeadline = 10 * e2e::kFastRequestTimeout;  // a hang, not slowness
constexpr auto kDeadline = 20s;
constexpr char kApi[] = "/api/v1/celery";
constexpr char kDisconnects[] = R"(queuemon_broker_disconnects_total{source="celery"})";
constexpr char kFailures[] = R"(queuemon_broker_connect_failures_total{source="celery"})";

// One GET on a new connection; fails the test if it is not answered within the client deadline.
std::optional<HttpResponse> Get(const testing::QueuemondProcess& daemon, const std::string& target) {
  testing::HttpClient client(daemon.port(), kClientDeadline);
  auto response = client.Request("GET", target);
  EXPECT_TRUE(response) << target << ": no answer within " << kClientDeadline.count() << " ms";
  return response;
}

void ExpectJsonErrorWithRetryAfter(const std::string& target,
                                   const std::optional<HttpResponse>& response) {
  ASSERT_TRUE(response) << target;
  EXPECT_TRUE(response->status == 503 || response->status == 504)
      << target << ": " << response->status << " " << response->body;
  const json body = json::parse(response->body, nullptr, false);
  EXPECT_TRUE(body.is_object() && body.contains("error")) << target << ": " << response->body;
  EXPECT_TRUE(response->HasHeader("Retry-After")) << target;
}

// A cached view may be served (HIT while fresh, STALE after a failed refresh); anything else is
// a JSON error.
void ExpectCachedOrJsonError(const std::string& target, const std::optional<HttpResponse>& r) {
  ASSERT_TRUE(r) << target;
  if (r->status == 200) {
    EXPECT_TRUE(r->Header("X-Cache") == "STALE" || r->Header("X-Cache") == "HIT")
        << target << ": fresh data from a broker that cannot answer? " << r->Header("X-Cache");
  } else {
    ExpectJsonErrorWithRetryAfter(target, r);
  }
}

void ExpectDaemonItselfResponsive(const testing::QueuemondProcess& daemon) {
  const auto health = Get(daemon, "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  const auto metrics = Get(daemon, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find(kDisconnects), std::string::npos);
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::optional<std::int64_t> TotalMessages(const std::optional<HttpResponse>& response) {
  if (!response || response->status != 200) return std::nullopt;
  const json body = json::parse(response->body, nullptr, false);
  if (!body.is_object() || !body.contains("total_messages")) return std::nullopt;
  return body["total_messages"].get<std::int64_t>();
}

TEST(FaultBrokerTest, BlackholedFromTheStartEveryRequestGetsAJsonErrorInTime) {
  testing::BlackholeListener blackhole;
  testing::QueuemondProcess daemon(e2e::FastDeadlineConfig(blackhole.url()));
  const std::vector<std::string> targets = {
      std::string(kApi) + "/workers/status", std::string(kApi) + "/queues/status?use_cache=false",
      std::string(kApi) + "/tasks/status?use_cache=false", std::string(kApi) + "/metrics/summary",
      std::string(kApi) + "/tasks/0c4b4e1e-never-cached"};
  for (int pass = 0; pass < 3; ++pass) {
    SCOPED_TRACE(testing::Numbered("pass ", pass));
    for (const auto& target : targets) ExpectJsonErrorWithRetryAfter(target, Get(daemon, target));
    ExpectDaemonItselfResponsive(daemon);
  }
  const auto health = Get(daemon, std::string(kApi) + "/health");  // reports, never hangs
  ASSERT_TRUE(health);
  EXPECT_EQ(json::parse(health->body, nullptr, false).value("status", ""), "unhealthy")
      << health->body;
  // Connects succeed into the listener's backlog; it is the deadlines that drop the links.
  EXPECT_TRUE(testing::Eventually(
      [&] { return daemon.Metric(kDisconnects).value_or(0) + daemon.Metric(kFailures).value_or(0) > 0; },
      kDeadline, 50ms));
  const std::string log = daemon.log();
  EXPECT_EQ(Count(log, "broker link down: celery[celery] broker " + blackhole.url()), 1u) << log;
  EXPECT_EQ(Count(log, "broker link up again:"), 0u) << log;
  EXPECT_EQ(daemon.Stop(), 0) << daemon.log();
}

enum class Fault { kSlow, kBlackholed };

class FaultBrokerRecoveryTest : public ::testing::TestWithParam<Fault> {
 protected:
  // Makes the "jobs" list hold exactly `n` messages, straight at the server (not the proxy).
  void SetQueueLength(int n) {
    std::vector<std::string> argv = {"/usr/bin/redis-cli", "-p", std::to_string(redis_.port())};
    auto del = argv;
    del.insert(del.end(), {"DEL", "jobs"});
    ASSERT_EQ(testing::RunProcess(testing::ProcessSpec{del, {}, "", ""}, kDeadline).exit_code, 0);
    argv.insert(argv.end(), {"RPUSH", "jobs"});
    for (int i = 0; i < n; ++i) argv.push_back(testing::Numbered("m", i));
    ASSERT_EQ(testing::RunProcess(testing::ProcessSpec{argv, {}, "", ""}, kDeadline).exit_code, 0);
  }
  bool FreshWithLength(std::int64_t n) {
    return testing::Eventually(
        [&] {
          const auto r = Get(daemon_, std::string(kApi) + "/queues/status");
          return r && r->Header("X-Cache") != "STALE" && TotalMessages(r) == n;
        },
        kDeadline, 50ms);
  }

  testing::RedisServer redis_;
  testing::DelayingProxy proxy_{redis_.port()};
  testing::QueuemondProcess daemon_{e2e::FastDeadlineConfig(proxy_.url())};
};

TEST_P(FaultBrokerRecoveryTest, StaleOrJsonErrorInTimeThenFreshAfterRecovery) {
  SetQueueLength(3);
  ASSERT_TRUE(FreshWithLength(3)) << daemon_.log();
  const double disconnects_before = daemon_.Metric(kDisconnects).value_or(-1);
  const double failures_before = disconnects_before + daemon_.Metric(kFailures).value_or(0);
  // The fault's log lines come after this mark (whatever warm-up logged is not this test's).
  const std::size_t log_mark = daemon_.log().size();

  proxy_.SetDelay(GetParam() == Fault::kSlow ? 2 * kCommandDeadline
                                              : testing::DelayingProxy::kForever);
  // Past the 0.3 s ttl the cached queues are served STALE with the last value.
  std::optional<HttpResponse> stale;
  ASSERT_TRUE(testing::Eventually(
      [&] {
        stale = Get(daemon_, std::string(kApi) + "/queues/status");
        if (!stale) return true;  // already failed
        EXPECT_EQ(stale->status, 200) << stale->body;
        EXPECT_EQ(TotalMessages(stale), 3) << stale->body;
        return stale->Header("X-Cache") == "STALE";
      },
      kDeadline, 50ms))
      << daemon_.log();
  for (int pass = 0; pass < 3; ++pass) {
    SCOPED_TRACE(testing::Numbered("pass ", pass));
    for (const char* fresh : {"/queues/status?use_cache=false", "/tasks/0c4b4e1e-never-cached"}) {
      const std::string target = std::string(kApi) + fresh;
      ExpectJsonErrorWithRetryAfter(target, Get(daemon_, target));
    }
    for (const char* view : {"/queues/status", "/workers/status", "/tasks/status",
                             "/metrics/summary"}) {
      const std::string target = std::string(kApi) + view;
      ExpectCachedOrJsonError(target, Get(daemon_, target));
    }
    ExpectDaemonItselfResponsive(daemon_);
  }
  // The deadlines dropped links, and that was counted and logged (once).
  EXPECT_TRUE(testing::Eventually(
      [&] { return daemon_.Metric(kDisconnects).value_or(-1) > disconnects_before; }, kDeadline,
      50ms));
  const std::string down = "broker link down: celery[celery] broker " + proxy_.url();
  EXPECT_TRUE(testing::Eventually(
      [&] { return daemon_.log().find(down) != std::string::npos; }, kDeadline, 50ms))
      << daemon_.log();

  proxy_.SetDelay(0ms);  // recovered
  SetQueueLength(5);
  EXPECT_TRUE(FreshWithLength(5)) << daemon_.log();
  const std::string up = "broker link up again: celery[celery] broker " + proxy_.url();
  EXPECT_TRUE(testing::Eventually(
      [&] { return daemon_.log().find(up) != std::string::npos; }, kDeadline, 50ms))
      << daemon_.log();
  // State changes, not attempts: fewer "down" lines than failures since the mark (a loaded
  // machine may see a recovered link time out once more, so not exactly one), and the last
  // state logged is "up".
  const std::string log = daemon_.log().substr(log_mark);
  const double failures =
      daemon_.Metric(kDisconnects).value_or(0) + daemon_.Metric(kFailures).value_or(0) -
      failures_before;
  const std::size_t downs = Count(log, "broker link down:");
  EXPECT_GE(downs, 1u) << log;
  EXPECT_GT(failures, 1) << log;
  EXPECT_LT(static_cast<double>(downs), failures) << log;
  EXPECT_EQ(Count(log, "broker link up again:"), downs) << log;  // down and up alternate
  EXPECT_GT(log.rfind("broker link up again:"), log.rfind("broker link down:")) << log;
  EXPECT_EQ(daemon_.Stop(), 0) << daemon_.log();
}

INSTANTIATE_TEST_SUITE_P(Faults, FaultBrokerRecoveryTest,
                         ::testing::Values(Fault::kSlow, Fault::kBlackholed),
                         [](const ::testing::TestParamInfo<Fault>& info) {
                           return std::string(info.param == Fault::kSlow ? "Slow" : "Blackholed");
                         });

}  // namespace
}  // namespace queuemon::daemon
