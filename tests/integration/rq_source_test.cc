// RqSource against a real redis-server and real RQ workers (Debian's python3-rq): what it
// reports equals what RQ's own API (Worker.all, Queue.all, Queue.count, the registries; run by
// tests/rq_app/ctl.py) reports at the same moment. One redis, two workers and one scenario are
// shared by the suite: jobs that succeeded, failed, run (600 s), are scheduled (in 1 h), are
// deferred, and wait in a queue no worker consumes.
#include "sources/rq/rq_source.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include <nlohmann/json.hpp>

#include "sources/errors.h"
#include "tests/integration/keyspace_fixture.h"

namespace queuemon::sources::rq {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class RqSourceTest : public KeyspaceFixture<RqSource, RqOptions> {
 protected:
  static void SetUpTestSuite() {
    SetUpWorld(testing::JobQueueApp::Rq, "rq_source_logs", "jobs", [](testing::JobQueueApp& app) {
      app.StartWorker("rw1", {"default", "high"});
      app.StartWorker("rw2", {"default"});
      app.Ctl({"wait-workers", "2"});
    });
  }
};

TEST_F(RqSourceTest, WorkersEqualWorkerAll) {
  const WorkersView view = CollectAs<WorkersView>(View::kWorkers);
  const json truth = app_->CtlJson({"truth"});
  ASSERT_EQ(view.workers.size(), truth["workers"].size());
  EXPECT_EQ(view.online, 2);
  for (const json& expected : truth["workers"]) {
    const auto it = std::find_if(view.workers.begin(), view.workers.end(), [&](const WorkerInfo& w) {
      return w.hostname == expected["name"];
    });
    ASSERT_NE(it, view.workers.end()) << expected["name"];
    EXPECT_EQ(it->status, "online");
    EXPECT_EQ(it->state, expected["state"].get<std::string>());
    EXPECT_EQ(it->queues, expected["queues"].get<std::vector<std::string>>());
    EXPECT_EQ(it->processed, expected["successful_job_count"].get<std::int64_t>());
    EXPECT_EQ(it->failed, expected["failed_job_count"].get<std::int64_t>());
    const std::vector<std::string> current =
        expected["current_job"].is_null() ? std::vector<std::string>{}
                                           : std::vector<std::string>{expected["current_job"]};
    EXPECT_EQ(it->current_jobs, current);
    EXPECT_TRUE(it->last_heartbeat.has_value());
  }
}

TEST_F(RqSourceTest, QueuesEqualQueueCountAndRegistries) {
  const QueuesView view = CollectAs<QueuesView>(View::kQueues);
  const json truth = app_->CtlJson({"truth"});
  ASSERT_EQ(view.queues.size(), truth["queues"].size());
  for (const QueueInfo& q : view.queues) {
    SCOPED_TRACE(q.name);
    const json& expected = truth["queues"].at(q.name);
    EXPECT_EQ(q.messages, expected["queued"].get<std::int64_t>());
    for (const char* state : {"queued", "started", "failed", "finished", "scheduled", "deferred", "canceled"}) {
      EXPECT_EQ(q.jobs.at(state), expected[state].get<std::int64_t>()) << state;
    }
    EXPECT_EQ(q.consumers, expected["workers"].get<std::int64_t>());
    EXPECT_EQ(q.paused, false);
    ASSERT_TRUE(q.oldest_job_age.has_value());
    if (expected["oldest_enqueued_at"].is_null()) {
      EXPECT_EQ(*q.oldest_job_age, 0.0);
    } else {
      // The same stored enqueued_at, read at our collection time.
      EXPECT_NEAR(*q.oldest_job_age, view.timestamp - expected["oldest_enqueued_at"].get<double>(), 1e-3);
      EXPECT_GT(*q.oldest_job_age, 0.0);
    }
  }
  // The scenario's own numbers, so a test of equal-but-wrong halves would still fail.
  EXPECT_EQ(view.jobs.at("failed"), 2);
  EXPECT_EQ(view.jobs.at("finished"), 3);
  EXPECT_EQ(view.jobs.at("started"), 1);
  EXPECT_EQ(view.jobs.at("scheduled"), 2);
  EXPECT_EQ(view.jobs.at("deferred"), 1);
  EXPECT_EQ(view.jobs.at("queued"), 2);
  EXPECT_EQ(view.total_messages, 2);
}

TEST_F(RqSourceTest, OneJobByIdWithStatusTimesWorkerAndException) {
  const JobInfo failed = CollectAs<JobInfo>(View::kTask, Id("failed"));
  EXPECT_TRUE(failed.found);
  EXPECT_EQ(failed.status, "failed");
  EXPECT_EQ(failed.queue, "default");
  EXPECT_EQ(failed.name, "jobs.fail('bad 0')");
  EXPECT_TRUE(failed.worker == "rw1" || failed.worker == "rw2") << failed.worker;
  ASSERT_TRUE(failed.exception.has_value());
  EXPECT_NE(failed.exception->find("ValueError: bad 0"), std::string::npos) << *failed.exception;
  ASSERT_TRUE(failed.enqueued_at && failed.started_at && failed.ended_at);
  EXPECT_LE(*failed.enqueued_at, *failed.started_at);
  EXPECT_LE(*failed.started_at, *failed.ended_at);

  const std::pair<const char*, const char*> statuses[] = {
      {"ok", "finished"}, {"slow", "started"}, {"scheduled", "scheduled"},
      {"deferred", "deferred"}, {"parked", "queued"}};
  for (const auto& [key, status] : statuses) {
    const JobInfo job = CollectAs<JobInfo>(View::kTask, Id(key));
    EXPECT_EQ(job.status, status) << key;
    EXPECT_FALSE(job.exception.has_value()) << key;
  }
  EXPECT_FALSE(CollectAs<JobInfo>(View::kTask, "no-such-job").found);
  EXPECT_EQ(Collect(View::kTask, "a b").error(), MakeErrorCode(Errc::kInvalidArgument));
}

TEST_F(RqSourceTest, JobsViewSummaryAndHealth) {
  const JobsView jobs = CollectAs<JobsView>(View::kTasks);
  ASSERT_EQ(jobs.running.size(), 1u);
  EXPECT_EQ(jobs.running[0].id, Id("slow"));
  EXPECT_EQ(jobs.running[0].worker, "rw1");
  EXPECT_EQ(jobs.running[0].queue, "high");
  EXPECT_EQ(jobs.running[0].name, "jobs.slow(600)");
  EXPECT_EQ(jobs.by_queue.at("parked").at("queued"), 2);
  EXPECT_EQ(jobs.jobs.at("failed"), 2);

  const SummaryView summary = CollectAs<SummaryView>(View::kSummary);
  EXPECT_EQ(summary.workers_online, 2);
  EXPECT_EQ(summary.tasks_active, 1);
  EXPECT_EQ(summary.tasks_scheduled, 2);
  EXPECT_EQ(summary.queued_messages, 2);
  EXPECT_EQ(summary.processed, 3);
  EXPECT_EQ(summary.queues, 3);

  const HealthView health = CollectAs<HealthView>(View::kHealth);
  EXPECT_EQ(health.status, "healthy");
  EXPECT_EQ(health.workers_online, 2);
  // Celery task events have no RQ counterpart.
  EXPECT_EQ(Collect(View::kRecentTasks).error(), MakeErrorCode(Errc::kNotFound));
  EXPECT_EQ(Collect(View::kTaskStats).error(), MakeErrorCode(Errc::kNotFound));
}

TEST_F(RqSourceTest, FamiliesAsRqExporterNamesThem) {
  const WorkersView workers = CollectAs<WorkersView>(View::kWorkers);
  const QueuesView queues = CollectAs<QueuesView>(View::kQueues);
  std::string text;
  for (const MetricFamily& f : source_->ViewFamilies(&workers, &queues)) text += f.name + "\n" + f.samples;
  EXPECT_NE(text.find("rq_workers{source=\"jobs\",name=\"rw1\",state=\"busy\",queues=\"default,high\"} 1\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("rq_workers_failed_total{source=\"jobs\",name="), std::string::npos);
  EXPECT_NE(text.find("rq_jobs{source=\"jobs\",queue=\"default\",status=\"failed\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("rq_jobs{source=\"jobs\",queue=\"parked\",status=\"queued\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("rq_queue_latency_seconds{source=\"jobs\",queue=\"parked\"} "), std::string::npos);
}

TEST_F(RqSourceTest, SuspendedWorkersShowAsPausedQueues) {
  redis::RedisConnection admin(io_->executor(), [] {
    redis::RedisOptions o;
    o.url = redis_->url(0);
    return o;
  }());
  // `rq suspend` sets this key; RQ's workers stop taking jobs while it exists. It is removed
  // whatever happens below, so no later test sees suspended workers.
  auto set = [&](redis::RedisCommand command) {
    return io_->Await(admin.Command(std::move(command)), seconds(5)).has_value();
  };
  struct Resume {
    std::function<bool(redis::RedisCommand)> run;
    redis::RedisConnection& admin;
    ~Resume() {
      run({"DEL", "rq:suspended"});
      admin.Close();
    }
  } resume{set, admin};
  ASSERT_TRUE(set({"SET", "rq:suspended", "1"}));
  const QueuesView suspended = CollectAs<QueuesView>(View::kQueues);
  ASSERT_TRUE(set({"DEL", "rq:suspended"}));
  for (const QueueInfo& q : suspended.queues) EXPECT_EQ(q.paused, true) << q.name;
  for (const QueueInfo& q : CollectAs<QueuesView>(View::kQueues).queues) EXPECT_EQ(q.paused, false);
}

}  // namespace
}  // namespace queuemon::sources::rq
