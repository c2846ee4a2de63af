// End-to-end broker outages: the real queuemond binary keeps answering, with honest staleness,
// while its redis-server is stopped or frozen (SIGSTOP), and serves fresh data again once the
// broker is back. No workers are needed: the queue depth of a queue listed in the config is the
// data, and tasks are sent with ctl.py. One redis + daemon per test (the tests break the broker).
#include <gtest/gtest.h>

#include "tests/e2e/e2e_support.h"
#include "tests/testing/eventually.h"

namespace queuemon::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Eventually;

// queue_status: ttl 1 s, served STALE for 4 s more. A request waits at most 1 s for the broker.
testing::QueuemondConfig OutageConfig(const testing::RedisServer& redis) {
  testing::QueuemondConfig config;
  config.broker_url = redis.url(0);
  config.queues = {kUnconsumed};
  config.caches_json = R"({"queue_status": {"ttl_seconds": 1, "stale_for_seconds": 4}})";
  config.top_extra_json = R"("http": {"request_timeout_ms": 1000})";
  config.source_extra_json =
      R"("connect_timeout_ms": 300, "command_timeout_ms": 500, "inspect_timeout_ms": 500)";
  return config;
}

std::int64_t Depth(const std::optional<testing::HttpResponse>& response) {
  for (const json& q : Json(response).value("queues", json::array())) {
    if (q.value("name", "") == kUnconsumed && q["messages"].is_number()) {
      return q["messages"].get<std::int64_t>();
    }
  }
  return -1;
}

void ExpectJsonErrorWithRetryAfter(const std::optional<testing::HttpResponse>& response) {
  ASSERT_TRUE(response);
  EXPECT_TRUE(response->status == 503 || response->status == 504) << response->status;
  const json body = Json(response);
  EXPECT_TRUE(body.contains("error") && body.contains("detail")) << response->body;
  const std::string retry = response->Header("Retry-After");
  ASSERT_FALSE(retry.empty());
  EXPECT_GE(std::stoi(retry), 1);
}

class E2eOutageTest : public ::testing::Test {
 protected:
  E2eOutageTest() : producer_(redis_.url(0), ::testing::TempDir() + "/e2e_outage_logs") {}

  void SetUp() override {
    daemon_ = std::make_unique<testing::QueuemondProcess>(OutageConfig(redis_));
    ASSERT_TRUE(daemon_->WaitReady()) << daemon_->log();
  }
  void TearDown() override {
    if (redis_.running()) redis_.Resume();  // no-op unless paused
    EXPECT_EQ(daemon_->Stop(), 0) << daemon_->log();
  }

  std::optional<testing::HttpResponse> Queues(const std::string& query = "") {
    return daemon_->Get(std::string(kApi) + "/queues/status" + query);
  }
  // After the broker came back: polls until a 200 shows `depth` messages in kUnconsumed.
  bool FreshAgainWithDepth(std::int64_t depth) {
    return Eventually(
        [&] {
          const auto r = Queues();
          return Status(r) == 200 && XCache(r) != "STALE" && Depth(r) == depth;
        },
        30s, 200ms);
  }

  testing::RedisServer redis_;
  testing::CeleryWorkers producer_;  // never started: only sends tasks (ctl.py)
  std::unique_ptr<testing::QueuemondProcess> daemon_;
};

TEST_F(E2eOutageTest, StoppedBrokerServesStaleThen503ThenFreshDataWhenBack) {
  const auto first = Queues("?use_cache=false");
  ASSERT_EQ(Status(first), 200);
  ASSERT_EQ(XCache(first), "MISS");
  const std::string etag = first->Header("ETag");

  redis_.Stop();
  std::optional<testing::HttpResponse> stale;
  ASSERT_TRUE(Eventually(
      [&] {
        stale = Queues();
        EXPECT_EQ(Status(stale), 200) << "within ttl + stale_for the old entry is served";
        EXPECT_TRUE(XCache(stale) == "HIT" || XCache(stale) == "STALE") << XCache(stale);
        return XCache(stale) == "STALE";
      },
      10s, 100ms))
      << daemon_->log();
  EXPECT_EQ(stale->Header("ETag"), etag);
  EXPECT_EQ(stale->body, first->body);
  EXPECT_GE(std::stoi(stale->Header("X-Cache-Age")), 1);
  EXPECT_EQ(stale->Header("Age"), stale->Header("X-Cache-Age"));

  // A bypass asks for fresh data: it never gets stale data silently, and the error names the
  // broker as the cause (issue 11).
  const auto bypass = Queues("?use_cache=false");
  ExpectJsonErrorWithRetryAfter(bypass);
  EXPECT_NE(bypass->body.find("broker"), std::string::npos) << bypass->body;
  EXPECT_NE(bypass->body.find("use_cache=false"), std::string::npos) << bypass->body;

  // /health answers 503 for load balancers while the broker is down (issue 11), with the view.
  const auto health = daemon_->Get("/api/v1/celery/health?use_cache=false");
  EXPECT_EQ(Status(health), 503) << (health ? health->body : "");
  EXPECT_EQ(Json(health).value("status", ""), "unhealthy");
  EXPECT_EQ(Json(health).value("broker_reachable", true), false);

  std::optional<testing::HttpResponse> gone;
  ASSERT_TRUE(Eventually(
      [&] {
        gone = Queues();
        if (Status(gone) == 200) {
          EXPECT_EQ(XCache(gone), "STALE");
        }
        return Status(gone) != 200;
      },
      15s, 200ms));
  ExpectJsonErrorWithRetryAfter(gone);
  EXPECT_EQ(Status(daemon_->Get("/healthz")), 200) << "the daemon itself is alive";

  redis_.Restart();  // empty: no persistence
  producer_.Send("add", Send("[1, 1]", kUnconsumed, {}, 3));
  EXPECT_TRUE(FreshAgainWithDepth(3)) << daemon_->log();
  EXPECT_TRUE(daemon_->WaitReady(30s));
}

TEST_F(E2eOutageTest, FrozenBrokerNeverHangsARequest) {
  producer_.Send("add", Send("[1, 1]", kUnconsumed, {}, 2));
  const auto first = Queues("?use_cache=false");
  ASSERT_EQ(Status(first), 200);
  ASSERT_EQ(Depth(first), 2);

  redis_.Pause();  // connections stay open, nothing answers
  // Every request is answered (the client gives up after 5 s; the daemon's deadline is 1 s).
  std::optional<testing::HttpResponse> stale;
  ASSERT_TRUE(Eventually(
      [&] {
        stale = Queues();
        EXPECT_EQ(Status(stale), 200);
        return XCache(stale) == "STALE";
      },
      15s, 100ms))
      << daemon_->log();
  EXPECT_EQ(stale->Header("ETag"), first->Header("ETag"));
  ExpectJsonErrorWithRetryAfter(Queues("?use_cache=false"));

  redis_.Resume();
  producer_.Send("add", Send("[1, 1]", kUnconsumed, {}, 1));
  EXPECT_TRUE(FreshAgainWithDepth(3)) << daemon_->log();
}

}  // namespace
}  // namespace queuemon::e2e
