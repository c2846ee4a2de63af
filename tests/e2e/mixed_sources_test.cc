// Issue 15: one queuemond serves a Celery, an RQ and a Sidekiq source at once, each watched by
// real processes (a Celery worker, an RQ worker, a Sidekiq process) on one redis-server (db 0,
// 1 and 2): the same routes, cache headers and /metrics for every kind, each kind's families
// named as its usual exporter names them, many viewers answered by one collection, and the
// status page showing each kind's panels in a real headless Chromium (skipped, with the reason,
// only when the browser cannot start).
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <map>

#include "tests/e2e/e2e_support.h"
#include "tests/testing/eventually.h"
#include "tests/testing/job_queue_apps.h"
#include "tests/testing/web_driver.h"

namespace queuemon::e2e {
namespace {

using nlohmann::json;
using testing::JobQueueApp;

class MixedSourcesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new testing::RedisServer();
    const std::string logs = ::testing::TempDir() + "/mixed_sources_logs";
    std::filesystem::create_directories(logs);
    celery_ = new testing::CeleryWorkers(redis_->url(0), logs);
    rq_ = new JobQueueApp(JobQueueApp::Rq(redis_->url(1), logs));
    sidekiq_ = new JobQueueApp(JobQueueApp::Sidekiq(redis_->url(2), logs));
    rq_->StartWorker("rq1", {"default", "high"});
    sidekiq_->StartWorker("sk1", {"default", "high"});
    testing::CeleryWorkerSpec w1;
    w1.name = "w1";
    celery_->Start({w1});
    rq_->Ctl({"wait-workers", "1"});
    sidekiq_->Ctl({"wait-processes", "1"});
    rq_ids_ = new json(rq_->CtlJson({"scenario"}));
    sidekiq_ids_ = new json(sidekiq_->CtlJson({"scenario"}));
    rq_->Ctl({"wait-settled"});
    sidekiq_->Ctl({"wait-settled"});
    testing::QueuemondConfig config;
    config.broker_url = redis_->url(0);
    config.caches_json = R"({"worker_status": {"ttl_seconds": 60}, "queue_status": {"ttl_seconds": 60}})";
    config.more_sources_json = R"({"name": "jobs", "kind": "rq", "broker": ")" + redis_->url(1) +
                               R"("}, {"name": "web", "kind": "sidekiq", "broker": ")" +
                               redis_->url(2) + R"("})";
    daemon_ = new testing::QueuemondProcess(config);
    ASSERT_TRUE(daemon_->WaitReady());
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete rq_ids_;
    delete sidekiq_ids_;
    delete celery_;
    delete rq_;
    delete sidekiq_;
    delete redis_;
  }

  static inline testing::RedisServer* redis_ = nullptr;
  static inline testing::CeleryWorkers* celery_ = nullptr;
  static inline JobQueueApp* rq_ = nullptr;
  static inline JobQueueApp* sidekiq_ = nullptr;
  static inline json* rq_ids_ = nullptr;
  static inline json* sidekiq_ids_ = nullptr;
  static inline testing::QueuemondProcess* daemon_ = nullptr;
};

TEST_F(MixedSourcesTest, EveryKindAnswersTheSameRoutes) {
  const json index = Json(daemon_->Get("/api/v1", {{"Accept", "application/json"}}));
  EXPECT_EQ(index["sources"], json::parse(R"([{"name": "celery", "kind": "celery"},
      {"name": "jobs", "kind": "rq"}, {"name": "web", "kind": "sidekiq"}])"));
  for (const std::string source : {"celery", "jobs", "web"}) {
    SCOPED_TRACE(source);
    for (const char* view : {"/workers/status", "/queues/status", "/tasks/status", "/metrics/summary",
                             "/health", "/cache/stats"}) {
      const auto response = daemon_->Get("/api/v1/" + source + view);
      ASSERT_EQ(Status(response), 200) << view << (response ? response->body : "");
      if (std::string(view) != "/cache/stats") {
        EXPECT_FALSE(response->Header("ETag").empty()) << view;
        EXPECT_FALSE(XCache(response).empty()) << view;
      }
    }
    const json workers = Json(daemon_->Get("/api/v1/" + source + "/workers/status"));
    EXPECT_EQ(workers["online"], 1);
    EXPECT_EQ(Json(daemon_->Get("/api/v1/" + source + "/health"))["status"], "healthy");
  }
  // Kind-specific answers through the same routes.
  const json failed = Json(daemon_->Get("/api/v1/jobs/tasks/" + (*rq_ids_)["failed"][0].get<std::string>()));
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_NE(failed["exception"].get<std::string>().find("ValueError"), std::string::npos);
  const json retry = Json(daemon_->Get("/api/v1/web/tasks/" + (*sidekiq_ids_)["retry"].get<std::string>()));
  EXPECT_EQ(retry["status"], "retry");
  const json parked = Json(daemon_->Get("/api/v1/web/queues/status"));
  EXPECT_EQ(parked["jobs"]["dead"], 2);
  EXPECT_EQ(Status(daemon_->Get("/api/v1/jobs/tasks/stats")), 404);
  EXPECT_EQ(Status(daemon_->Get("/api/v1/web/tasks/not%20an%20id")), 400);
}

TEST_F(MixedSourcesTest, MetricsCarryEachKindsExporterNames) {
  const auto response = daemon_->Get("/metrics");
  ASSERT_EQ(Status(response), 200);
  const std::string& text = response->body;
  EXPECT_EQ(testing::PromtoolProblems(text), "");
  EXPECT_NE(text.find("celery_worker_up{source=\"celery\",hostname=\"qm\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rq_workers{source=\"jobs\",name=\"rq1\",state=\"busy\",queues=\"default,high\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("rq_jobs{source=\"jobs\",queue=\"default\",status=\"failed\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("sidekiq_dead_jobs{source=\"web\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("sidekiq_queue_latency_seconds{source=\"web\",name=\"parked\"} "), std::string::npos);
  for (const char* source : {"celery", "jobs", "web"}) {
    EXPECT_EQ(MetricValue(text, std::string("queuemon_up{source=\"") + source + "\"}"), 1.0) << source;
  }
}

TEST_F(MixedSourcesTest, ManyViewersOneCollection) {
  // Warm-up loaded each view once; 60 concurrent viewers of each are answered from the cache.
  std::vector<std::future<std::string>> viewers;
  for (int i = 0; i < 60; ++i) {
    const std::string target = i % 2 ? "/api/v1/jobs/workers/status" : "/api/v1/web/queues/status";
    viewers.push_back(std::async(std::launch::async, [target] { return XCache(daemon_->Get(target)); }));
  }
  for (auto& viewer : viewers) EXPECT_EQ(viewer.get(), "HIT");
  for (const auto& [source, cache] : {std::pair{"jobs", "worker_status"}, {"web", "queue_status"}}) {
    const json stats = Json(daemon_->Get(std::string("/api/v1/") + source + "/cache/stats"));
    EXPECT_EQ(stats["caches"][cache]["sets"], 1) << source << " " << stats.dump();
  }
}

// What the status page rendered for the RQ ("jobs") and Sidekiq ("web") sources: its kind, the
// worker rows, each queue's oldest-job age, the jobs-by-state counts and the running job ids.
constexpr const char* kKindsScript = R"(
  const read = (name) => {
    const s = document.querySelector(`[data-source="${name}"]`);
    if (!s) return null;
    return {
      kind: s.dataset.kind,
      workers: [...s.querySelectorAll('tr[data-hostname]')].map((r) => r.dataset.hostname),
      latency: Object.fromEntries([...s.querySelectorAll('tr[data-queue] td[data-latency]')]
          .map((td) => [td.closest('tr').dataset.queue, Number(td.dataset.latency)])),
      jobs: Object.fromEntries([...s.querySelectorAll('[data-jobs]')]
          .map((d) => [d.dataset.jobs, d.querySelector('dd').textContent])),
      running: [...s.querySelectorAll('tr[data-job]')].map((r) => r.dataset.job),
    };
  };
  return {jobs: read('jobs'), web: read('web')};
)";

TEST_F(MixedSourcesTest, StatusPageShowsEachKindsPanels) {
  std::string why;
  auto browser = testing::WebDriver::Start(::testing::TempDir() + "/chromedriver_mixed.log", why);
  if (!browser) GTEST_SKIP() << "status page browser test skipped: " << why;
  ASSERT_TRUE(browser->Navigate("http://127.0.0.1:" + std::to_string(daemon_->port()) + "/?interval=1"));
  json page;
  ASSERT_TRUE(testing::Eventually([&] {
    page = browser->Execute(kKindsScript).value_or(json());
    return page.is_object() && page["jobs"].is_object() && page["web"].is_object() &&
           !page["jobs"]["running"].empty() && !page["web"]["running"].empty();
  }, std::chrono::seconds(30), std::chrono::milliseconds(200))) << page.dump();
  const json& rq = page["jobs"];
  EXPECT_EQ(rq["kind"], "rq");
  EXPECT_EQ(rq["workers"], json::array({"rq1"}));
  EXPECT_GT(rq["latency"].value("parked", 0.0), 0.0) << rq.dump();
  EXPECT_EQ(rq["jobs"].value("failed", ""), "2");
  EXPECT_EQ(rq["running"], json::array({(*rq_ids_)["slow"]}));
  const json& sk = page["web"];
  EXPECT_EQ(sk["kind"], "sidekiq");
  EXPECT_EQ(sk["workers"].size(), 1u);
  EXPECT_GT(sk["latency"].value("parked", 0.0), 0.0) << sk.dump();
  EXPECT_EQ(sk["jobs"].value("dead", ""), "2");
  EXPECT_EQ(sk["running"], json::array({(*sidekiq_ids_)["slow"]}));
  // The Celery-only views are not asked of these sources: no 404 in the console.
  for (const json& entry : browser->ConsoleLog()) {
    EXPECT_NE(entry.value("level", ""), "SEVERE") << entry.dump();
  }
  EXPECT_TRUE(browser->Screenshot("status_page_mixed_sources.png"));
}

}  // namespace
}  // namespace queuemon::e2e
