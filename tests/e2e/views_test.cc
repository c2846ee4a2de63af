// End-to-end views of the real queuemond binary: each body's shape and its agreement with
// ground truth (redis-py LLEN, the worker processes, the celery result), /metrics through
// promtool, and the answers to malformed requests. One redis + w1/w2 + daemon for the suite.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/e2e/e2e_support.h"
#include "tests/testing/eventually.h"

namespace queuemon::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Eventually;

class E2eViewsTest : public SharedEnvironmentTest<E2eViewsTest> {
 public:  // read by SharedEnvironmentTest
  static constexpr const char* kCachesJson = "{}";
  static constexpr const char* kLogName = "e2e_views_logs";

 protected:
  // Fresh data: these tests check content, not caching.
  static json Fresh(const std::string& path) {
    return Json(Daemon().Get(std::string(kApi) + path + "?use_cache=false"));
  }
  static const json* FindBy(const json& list, const char* key, const std::string& value) {
    for (const json& item : list) {
      if (item.value(key, "") == value) return &item;
    }
    return nullptr;
  }
  // The ground truth of one queue: LLEN of each priority sub-list (redis-py, through ctl.py).
  static json TrueDepth(const std::string& queue) {
    const auto run = env_->workers.Ctl({"depth", queue});
    return json::parse(run.output, nullptr, false)[queue];
  }
  static std::int64_t Sum(const json& by_priority) {
    std::int64_t sum = 0;
    if (!by_priority.is_object()) return -1;
    for (const auto& [step, llen] : by_priority.items()) sum += llen.get<std::int64_t>();
    return sum;
  }
};

TEST_F(E2eViewsTest, WorkersListsBothWorkersOnlineWithTheirProcessFacts) {
  json view;
  // Heartbeats arrive every 2 s; poll until both workers are online with one received.
  ASSERT_TRUE(Eventually(
      [&] {
        view = Fresh("/workers/status");
        const json workers = view.value("workers", json::array());
        return view.value("online", 0) == 2 &&
               std::all_of(workers.begin(), workers.end(),
                           [](const json& w) { return w["last_heartbeat"].is_number(); });
      },
      20s, 200ms))
      << view.dump();
  ASSERT_EQ(view["workers"].size(), 2u) << view.dump();
  for (std::size_t i = 0; i < 2; ++i) {
    const json* w = FindBy(view["workers"], "hostname", env_->workers.Node(i));
    ASSERT_NE(w, nullptr) << env_->workers.Node(i) << " in " << view.dump();
    EXPECT_EQ(w->value("status", ""), "online");
    EXPECT_EQ(w->value("pid", 0), env_->workers.Pid(i)) << "the worker's main process";
    EXPECT_EQ(w->value("concurrency", 0), 1);
    EXPECT_EQ((*w)["queues"], json::array({"celery", "reports"})) << w->dump();
    EXPECT_TRUE((*w)["last_heartbeat"].is_number());
  }
  EXPECT_EQ(view.value("offline", -1), 0);
}

// Celery 5.2 sends no pool name in stats; the collector infers it from the pool info's shape.
TEST_F(E2eViewsTest, WorkersReportTheirPoolName) {
  json view;
  ASSERT_TRUE(Eventually([&] { return (view = Fresh("/workers/status")).value("online", 0) == 2; },
                        20s, 200ms));
  for (const json& w : view["workers"]) EXPECT_EQ(w.value("pool", ""), "prefork") << w.dump();
}

TEST_F(E2eViewsTest, QueueDepthsMatchTheLengthsOfThePrioritySubLists) {
  // 2 at priority 0, 1 at 3, 3 at 6, 1 at 9 (kombu maps priorities to 4 steps by default).
  for (const auto& [priority, count] : {std::pair{0, 2}, {3, 1}, {6, 3}, {9, 1}}) {
    env_->workers.Send("add", Send("[1, 1]", kUnconsumed, priority, count));
  }
  const auto truth_run = env_->workers.Ctl({"depth", kUnconsumed});
  const json truth = json::parse(truth_run.output, nullptr, false)[kUnconsumed];
  ASSERT_TRUE(truth.is_object()) << truth_run.output;

  const json view = Fresh("/queues/status");
  const json* q = FindBy(view["queues"], "name", kUnconsumed);
  ASSERT_NE(q, nullptr) << view.dump();
  std::int64_t sum = 0;
  for (const auto& [step, llen] : truth.items()) {
    sum += llen.get<std::int64_t>();
    EXPECT_EQ((*q)["by_priority"].value(step, std::int64_t{-1}), llen.get<std::int64_t>())
        << "priority step " << step << ": " << q->dump();
  }
  EXPECT_EQ(sum, 7);
  EXPECT_EQ(q->value("messages", -1), sum);
  EXPECT_EQ(q->value("consumers", -1), 0);
  const json* celery = FindBy(view["queues"], "name", "celery");
  ASSERT_NE(celery, nullptr) << "queues consumed by workers are listed: " << view.dump();
  EXPECT_EQ(celery->value("consumers", -1), 2);

  const json summary = Fresh("/metrics/summary");
  EXPECT_EQ(summary.value("workers_online", -1), 2) << summary.dump();
  EXPECT_GE(summary.value("queued_messages", -1), 7);
  EXPECT_EQ(summary.value("queues", -1), std::ssize(view["queues"]));
}

TEST_F(E2eViewsTest, TaskResultsComeFromTheResultBackend) {
  const std::vector<std::string> ids = env_->workers.Send("add", Send("[20, 22]"));
  ASSERT_EQ(ids.size(), 1u);
  const auto waited = env_->workers.Ctl({"result", ids[0], "--timeout", "20"});
  ASSERT_EQ(waited.exit_code, 0) << waited.output;

  const json done = Fresh("/tasks/" + ids[0]);
  EXPECT_EQ(done.value("task_id", ""), ids[0]);
  EXPECT_EQ(done.value("state", ""), "SUCCESS") << done.dump();
  EXPECT_EQ(done["result"], 42);
  EXPECT_TRUE(done["date_done"].is_string());

  const json unknown = Fresh("/tasks/5d1e3b0c-0000-4000-8000-000000000000");
  EXPECT_EQ(unknown.value("state", ""), "PENDING") << unknown.dump();
  EXPECT_TRUE(unknown["result"].is_null());

  for (const char* bad : {"/tasks/a*b", "/tasks/..%2F", "/tasks/a%20b"}) {
    const auto response = Daemon().Get(std::string(kApi) + bad);
    EXPECT_EQ(Status(response), 400) << bad;
    EXPECT_TRUE(Json(response).contains("error")) << bad;
  }
}

TEST_F(E2eViewsTest, TasksStatusShowsARunningTask) {
  const std::vector<std::string> ids = env_->workers.Send("sleepy", Send("[3]"));
  ASSERT_EQ(ids.size(), 1u);
  json view;
  const json* worker = nullptr;
  ASSERT_TRUE(Eventually(
      [&] {
        view = Fresh("/tasks/status");
        for (const json& w : view.value("workers", json::array())) {
          if (FindBy(w["active"], "id", ids[0]) != nullptr) return true;
        }
        return false;
      },
      15s, 200ms))
      << view.dump();
  EXPECT_GE(view.value("active", 0), 1);
  for (const json& w : view["workers"]) {
    if (const json* task = FindBy(w["active"], "id", ids[0])) {
      worker = &w;
      EXPECT_EQ(task->value("name", ""), "tasks.sleepy");
    }
  }
  ASSERT_NE(worker, nullptr);
  const std::string host = worker->value("hostname", "");
  EXPECT_TRUE(host == env_->workers.Node(0) || host == env_->workers.Node(1)) << host;
  EXPECT_TRUE(view["workers"].size() == 2) << view.dump();
}

TEST_F(E2eViewsTest, HealthReportsTheBrokerAndBothWorkers) {
  json health;
  ASSERT_TRUE(Eventually([&] { return (health = Fresh("/health")).value("workers_answering", 0) == 2; },
                        15s, 200ms))
      << health.dump();
  EXPECT_TRUE(health.value("broker_reachable", false));
  EXPECT_EQ(health.value("status", ""), "healthy");
  EXPECT_EQ(Status(Daemon().Get("/healthz")), 200);
  EXPECT_EQ(Status(Daemon().Get("/readyz")), 200);
}

TEST_F(E2eViewsTest, PrometheusExpositionPassesPromtoolAndHasTheSeries) {
  // The worker and queue gauges come from the cached views: load them with both workers online.
  ASSERT_TRUE(Eventually([] { return Fresh("/workers/status").value("online", 0) == 2; }, 20s, 200ms));
  ASSERT_EQ(Status(Daemon().Get(std::string(kApi) + "/queues/status?use_cache=false")), 200);
  const auto metrics = Daemon().Get("/metrics");
  ASSERT_EQ(Status(metrics), 200);
  EXPECT_EQ(metrics->Header("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u)
      << metrics->Header("Content-Type");
  const std::string& text = metrics->body;
  // As celery-exporter, `hostname` is the host part of the node name: w1@qm and w2@qm share
  // one series per gauge (up if any is; active tasks summed).
  EXPECT_EQ(MetricValue(text, std::string("celery_worker_up{source=\"celery\",hostname=\"") +
                                  testing::CeleryWorkers::kHost + "\"}"),
            1.0)
      << text;
  EXPECT_TRUE(MetricValue(text, R"(celery_active_worker_count{source="celery",queue_name="celery"})"));
  EXPECT_TRUE(MetricValue(text, R"(celery_queue_length{source="celery",queue_name="unconsumed"})"));
  EXPECT_TRUE(MetricValue(text, R"(celery_queue_length{source="celery",queue_name="celery"})"));
  EXPECT_TRUE(MetricValue(text, R"(queuemon_cache_requests_total{source="celery",cache="worker_status"})"));
  EXPECT_EQ(MetricValue(text, R"(queuemon_up{source="celery"})"), 1.0);

  EXPECT_EQ(testing::PromtoolProblems(text), "");
}

// Issue 11: a daemon that only Prometheus scrapes follows the queue within the ttl (3 s): the
// scrape reads the queues view through the cache like any client, and never shows it older.
TEST_F(E2eViewsTest, AnUnpolledDaemonsMetricsFollowTheQueueLengthWithinTheTtl) {
  const std::string series = R"(celery_queue_length{source="celery",queue_name="unconsumed"})";
  const std::string age = R"(queuemon_snapshot_age_seconds{source="celery",view="queues"})";
  for (int round = 0; round < 2; ++round) {
    env_->workers.Send("add", Send("[2, 2]", kUnconsumed, {}, 3 + round));
    const std::int64_t truth = Sum(TrueDepth(kUnconsumed));
    const auto sent = std::chrono::steady_clock::now();
    std::optional<double> seen, oldest;
    const bool followed = Eventually(
        [&] {
          const auto metrics = Daemon().Get("/metrics");
          if (Status(metrics) != 200) return false;
          seen = MetricValue(metrics->body, series);
          const auto a = MetricValue(metrics->body, age);
          if (a) oldest = std::max(oldest.value_or(0.0), *a);
          return seen == static_cast<double>(truth);
        },
        10s, 100ms);
    ASSERT_TRUE(followed) << "round " << round << ": LLEN sum " << truth << ", /metrics "
                          << seen.value_or(-1);
    EXPECT_LT(std::chrono::steady_clock::now() - sent, 3s + 1s) << "within the ttl (+ 1 s)";
    EXPECT_LE(oldest.value_or(0.0), 3.0) << "queuemon_snapshot_age_seconds within its promise";
  }
}

// Issue 11: a queue nobody consumes, created by sending tasks to it, is discovered from its
// binding set within one discovery interval (1 s here) with its exact depth per priority.
TEST_F(E2eViewsTest, AFreshUnconsumedQueueAppearsWithItsExactDepth) {
  const std::string queue = "fresh-" + std::to_string(::getpid());
  for (const auto& [priority, count] : {std::pair{0, 1}, {6, 2}, {9, 3}}) {
    env_->workers.Send("add", Send("[3, 3]", queue, priority, count));
  }
  const json truth = TrueDepth(queue);
  ASSERT_EQ(Sum(truth), 6) << truth.dump();
  json found;
  const auto sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(Eventually(
      [&] {
        const json view = Fresh("/queues/status");
        const json queues = view.value("queues", json::array());
        const json* q = FindBy(queues, "name", queue);
        if (q) found = *q;
        return q != nullptr;
      },
      10s, 100ms)) << "never listed";
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 1s + 2s) << "one discovery interval (+ 2 s)";
  EXPECT_EQ(found.value("messages", -1), 6) << found.dump();
  for (const auto& [step, llen] : truth.items()) {
    EXPECT_EQ(found["by_priority"].value(step, std::int64_t{-1}), llen.get<std::int64_t>()) << step;
  }
  EXPECT_EQ(found.value("consumers", -1), 0);
  EXPECT_EQ(found["unacked"], 0) << "no worker fetched from it";
}

TEST_F(E2eViewsTest, MalformedRequestsGetAJsonErrorAndTheDaemonStaysUp) {
  const auto expect_error = [](const std::optional<testing::HttpResponse>& r, int status,
                               const std::string& what) {
    ASSERT_EQ(Status(r), status) << what;
    EXPECT_EQ(r->Header("Content-Type"), "application/json") << what;
    const json body = Json(r);
    EXPECT_TRUE(body.contains("error") && body.contains("detail")) << what << ": " << r->body;
  };
  expect_error(Daemon().Get("/no/such/path"), 404, "unknown path");
  expect_error(Daemon().Get(std::string(kApi) + "/nothing/here"), 404, "unknown api path");
  const auto wrong = Daemon().Request("DELETE", std::string(kApi) + "/workers/status");
  expect_error(wrong, 405, "wrong method");
  EXPECT_NE(wrong->Header("Allow").find("GET"), std::string::npos) << wrong->Header("Allow");
  expect_error(Daemon().Get(std::string(kApi) + "/workers/status?use_cache=%zz"), 400,
               "bad percent-encoding in the query");
  expect_error(Daemon().Get(std::string(kApi) + "/work%G1ers/status"), 400,
               "bad percent-encoding in the path");
  expect_error(Daemon().Get("/healthz", {{"X-Big", std::string(16 * 1024, 'a')}}), 431,
               "oversized headers");
  expect_error(Daemon().Request("POST", std::string(kApi) + "/cache/invalidate", {},
                                std::string(128 * 1024, 'x')),
               413, "oversized body");
  {
    testing::HttpClient client(Daemon().port());
    ASSERT_TRUE(client.SendRaw("\x01\x02 garbage \xff\r\n\r\n"));
    expect_error(client.Read(), 400, "garbage bytes");
  }
  {
    testing::HttpClient client(Daemon().port());
    ASSERT_TRUE(client.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n"));
    expect_error(client.Read(), 400, "bad Content-Length");
  }
  EXPECT_TRUE(Daemon().running());
  EXPECT_EQ(Status(Daemon().Get("/healthz")), 200);
  EXPECT_EQ(Status(Daemon().Get(std::string(kApi) + "/workers/status")), 200);
}

}  // namespace
}  // namespace queuemon::e2e
