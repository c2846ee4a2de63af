// Issue 18: one queuemond serves a Celery-on-Redis and a Celery-on-RabbitMQ source side by
// side, each with a real Celery worker (w1 on a redis-server, r1 on a private rabbitmq-server
// from Debian, its results in the redis-server's db 1): the same routes, cache headers and
// /metrics for both; task events over AMQP counted exactly; a frozen RabbitMQ served STALE
// within stale_for, then a JSON 503, while the Redis source stays fresh; fresh again when it is
// back (after a freeze and after a restart); and no queue of queuemon's left on the broker after the daemon is SIGKILLed.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <set>

#include "tests/e2e/e2e_support.h"
#include "tests/testing/eventually.h"
#include "tests/testing/rabbitmq_server.h"

namespace queuemon::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Eventually;

std::set<std::string> Queues(const testing::RabbitMqServer& rabbit) {
  const auto names = rabbit.QueueNames();
  return {names.begin(), names.end()};
}

class CeleryAmqpE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rabbit_ = new testing::RabbitMqServer();
    redis_ = new testing::RedisServer();
    const std::string logs = ::testing::TempDir() + "/celery_amqp_e2e_logs";
    on_redis_ = new testing::CeleryWorkers(redis_->url(0), logs);
    on_rabbit_ = new testing::CeleryWorkers(rabbit_->amqp_url(), logs, redis_->url(1));
    testing::CeleryWorkerSpec w1, r1;
    w1.name = "w1";
    r1.name = "r1";
    on_redis_->Start({w1});
    on_rabbit_->Start({r1});
    before_daemon_ = new std::set<std::string>(Queues(*rabbit_));
    testing::QueuemondConfig config;
    config.broker_url = redis_->url(0);
    config.caches_json =
        R"({"queue_status": {"ttl_seconds": 1, "stale_for_seconds": 4}})";
    config.top_extra_json = R"("http": {"request_timeout_ms": 1000})";
    config.more_sources_json =
        R"({"name": "rabbit", "broker": ")" + rabbit_->amqp_url() + R"(", "management_url": ")" +
        rabbit_->management_url() + R"(", "result_backend": ")" + redis_->url(1) +
        R"(", "queues": ["unconsumed"], "connect_timeout_ms": 300, "command_timeout_ms": 500,
            "inspect_timeout_ms": 500})";
    daemon_ = new testing::QueuemondProcess(config);
    if (!daemon_->WaitReady()) throw std::runtime_error("daemon not ready:\n" + daemon_->log());
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete before_daemon_;
    delete on_redis_;
    delete on_rabbit_;
    delete redis_;
    delete rabbit_;
  }

  static inline testing::RabbitMqServer* rabbit_ = nullptr;
  static inline testing::RedisServer* redis_ = nullptr;
  static inline testing::CeleryWorkers* on_redis_ = nullptr;
  static inline testing::CeleryWorkers* on_rabbit_ = nullptr;
  static inline std::set<std::string>* before_daemon_ = nullptr;
  static inline testing::QueuemondProcess* daemon_ = nullptr;
};

TEST_F(CeleryAmqpE2eTest, BothBrokersAnswerTheSameRoutesSideBySide) {
  for (const auto& [source, node] : {std::pair{"celery", "w1@qm"}, {"rabbit", "r1@qm"}}) {
    SCOPED_TRACE(source);
    const std::string api = std::string("/api/v1/") + source;
    ASSERT_TRUE(Eventually([&] {
      return Json(daemon_->Get(api + "/workers/status?use_cache=false")).value("online", 0) == 1;
    }, 15s, 100ms)) << daemon_->log();
    const json workers = Json(daemon_->Get(api + "/workers/status"));
    EXPECT_EQ(workers["workers"][0]["hostname"], node);
    for (const char* view : {"/workers/status", "/queues/status", "/tasks/status",
                             "/metrics/summary", "/health"}) {
      const auto first = daemon_->Get(api + view);
      ASSERT_EQ(Status(first), 200) << view << (first ? first->body : "");
      const std::string etag = first->Header("ETag");
      ASSERT_FALSE(etag.empty()) << view;
      const auto again = daemon_->Get(api + view, {{"If-None-Match", etag}});
      EXPECT_TRUE(Status(again) == 304 || Status(again) == 200) << view;
    }
    EXPECT_EQ(Json(daemon_->Get(api + "/health"))["status"], "healthy");
  }
  const json queues = Json(daemon_->Get("/api/v1/rabbit/queues/status"));
  std::set<std::string> names;
  for (const auto& q : queues["queues"]) names.insert(q["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"celery", "reports", "unconsumed"}));
  const auto metrics = daemon_->Get("/metrics");
  ASSERT_EQ(Status(metrics), 200);
  EXPECT_EQ(testing::PromtoolProblems(metrics->body), "");
  EXPECT_EQ(MetricValue(metrics->body, R"(celery_worker_up{source="rabbit",hostname="qm"})"), 1.0);
  EXPECT_EQ(MetricValue(metrics->body, R"(celery_worker_up{source="celery",hostname="qm"})"), 1.0);
  EXPECT_EQ(MetricValue(metrics->body, R"(celery_queue_length{source="rabbit",queue_name="celery"})"),
            0.0);
}

TEST_F(CeleryAmqpE2eTest, TaskEventsOverAmqpCountedExactly) {
  const std::string series =
      R"(celery_task_succeeded_total{source="rabbit",name="tasks.add",hostname="qm",queue_name="celery"})";
  const double before = MetricValue(daemon_->Get("/metrics")->body, series).value_or(0);
  const auto ids = on_rabbit_->Send("add", Send("[20, 22]", "celery", {}, 4));
  ASSERT_EQ(ids.size(), 4u);
  ASSERT_TRUE(Eventually([&] {
    return MetricValue(daemon_->Get("/metrics")->body, series).value_or(0) - before >= 4;
  }, 15s, 100ms)) << daemon_->log();
  EXPECT_EQ(MetricValue(daemon_->Get("/metrics")->body, series).value_or(0) - before, 4.0);
  const json result = Json(daemon_->Get("/api/v1/rabbit/tasks/" + ids[0]));
  EXPECT_EQ(result["state"], "SUCCESS");
  EXPECT_EQ(result["result"], 42);
}

TEST_F(CeleryAmqpE2eTest, FrozenRabbitMqServesStaleThen503WhileRedisStaysFresh) {
  on_rabbit_->Send("add", Send("[1, 1]", "unconsumed", {}, 3));
  std::optional<testing::HttpResponse> first;
  ASSERT_TRUE(Eventually([&] {
    first = daemon_->Get("/api/v1/rabbit/queues/status?use_cache=false");
    for (const auto& q : Json(first).value("queues", json::array())) {
      if (q["name"] == "unconsumed" && q["messages"] == 3) return true;
    }
    return false;
  }, 15s, 200ms)) << "the management API shows the 3 messages within its refresh";
  rabbit_->Pause();  // SIGSTOP: connections stay open, nothing answers
  std::optional<testing::HttpResponse> stale;
  ASSERT_TRUE(Eventually([&] {
    stale = daemon_->Get("/api/v1/rabbit/queues/status");
    EXPECT_EQ(Status(stale), 200) << "within ttl + stale_for the old entry is served: "
                                  << (stale ? stale->body : "");
    return XCache(stale) == "STALE";
  }, 10s, 100ms)) << daemon_->log();
  EXPECT_EQ(stale->Header("ETag"), first->Header("ETag"));
  const auto bypass = daemon_->Get("/api/v1/rabbit/queues/status?use_cache=false");
  ASSERT_TRUE(bypass) << "answered within the daemon's deadline";
  EXPECT_TRUE(Status(bypass) == 503 || Status(bypass) == 504) << bypass->body;
  EXPECT_TRUE(Json(bypass).contains("error")) << bypass->body;
  EXPECT_FALSE(bypass->Header("Retry-After").empty());
  EXPECT_EQ(Status(daemon_->Get("/api/v1/rabbit/health?use_cache=false")), 503);
  // The Redis source does not notice.
  EXPECT_EQ(Status(daemon_->Get("/api/v1/celery/queues/status?use_cache=false")), 200);
  ASSERT_TRUE(Eventually([&] {
    const int status = Status(daemon_->Get("/api/v1/rabbit/queues/status"));
    return status == 503 || status == 504;
  }, 15s, 200ms)) << "past stale_for the error shows";
  rabbit_->Resume();
  ASSERT_TRUE(Eventually([&] {
    const auto r = daemon_->Get("/api/v1/rabbit/queues/status?use_cache=false");
    return Status(r) == 200 && XCache(r) != "STALE";
  }, 30s, 250ms)) << daemon_->log();
}

TEST_F(CeleryAmqpE2eTest, RestartedRabbitMqIsWatchedAgain) {
  rabbit_->Stop();
  const auto down = daemon_->Get("/api/v1/rabbit/workers/status?use_cache=false");
  ASSERT_TRUE(down) << "answered within the daemon's deadline";
  EXPECT_TRUE(Status(down) == 503 || Status(down) == 504) << down->body;
  EXPECT_EQ(Status(daemon_->Get("/healthz")), 200) << "the daemon itself is alive";
  rabbit_->Start();
  // The daemon redials by itself: fresh answers again (the worker reconnects on its own
  // schedule, which is Celery's business).
  ASSERT_TRUE(Eventually([&] {
    const auto r = daemon_->Get("/api/v1/rabbit/queues/status?use_cache=false");
    return Status(r) == 200 && XCache(r) != "STALE";
  }, 60s, 250ms)) << daemon_->log();
  EXPECT_EQ(Json(daemon_->Get("/api/v1/rabbit/health?use_cache=false")).value("broker_reachable", false),
            true);
  EXPECT_TRUE(daemon_->WaitReady(30s));
}

// Last: it kills the daemon.
TEST_F(CeleryAmqpE2eTest, ZzNoQueueOfQueuemonsOutlivesIt) {
  std::set<std::string> ours;
  const json queues = rabbit_->Management("/queues/%2F?columns=name,exclusive");
  ASSERT_TRUE(queues.is_array());
  for (const auto& q : queues) {
    const std::string name = q["name"];
    if (!before_daemon_->contains(name) && q.value("exclusive", false)) ours.insert(name);
  }
  ASSERT_EQ(ours.size(), 2u) << queues.dump();  // its event queue and its pidbox reply queue
  daemon_->Signal(SIGKILL);
  ASSERT_TRUE(Eventually([&] {
    const std::set<std::string> now = Queues(*rabbit_);
    return std::none_of(ours.begin(), ours.end(), [&](const std::string& q) { return now.contains(q); });
  }, 15s, 200ms)) << "queuemon's queues should leave with its connection";
}

}  // namespace
}  // namespace queuemon::e2e
