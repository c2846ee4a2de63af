// SidekiqSource against a real redis-server and a real Sidekiq process (Debian's ruby-sidekiq):
// what it reports equals what Sidekiq's own API (Stats, ProcessSet, Queue#size, Queue#latency,
// Workers; run by tests/sidekiq_app/ctl.rb) reports at the same moment. One redis, one process
// (2 threads) and one scenario are shared by the suite: jobs that succeeded, wait for a retry
// (in 1 h), died, run (600 s), are scheduled (in 1 h), and wait in an unconsumed queue.
#include "sources/sidekiq/sidekiq_source.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "sources/errors.h"
#include "tests/integration/keyspace_fixture.h"

namespace queuemon::sources::sidekiq {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class SidekiqSourceTest : public KeyspaceFixture<SidekiqSource, SidekiqOptions> {
 protected:
  static void SetUpTestSuite() {
    SetUpWorld(testing::JobQueueApp::Sidekiq, "sidekiq_source_logs", "web", [](testing::JobQueueApp& app) {
      app.StartWorker("sk1", {"default", "high"});
      app.Ctl({"wait-processes", "1"});
    });
  }
};

TEST_F(SidekiqSourceTest, ProcessesEqualProcessSet) {
  const WorkersView view = CollectAs<WorkersView>(View::kWorkers);
  const json truth = app_->CtlJson({"truth"});
  ASSERT_EQ(view.workers.size(), truth["processes"].size());
  ASSERT_EQ(view.workers.size(), 1u);
  const WorkerInfo& w = view.workers[0];
  const json& expected = truth["processes"][0];
  EXPECT_EQ(w.hostname, expected["identity"].get<std::string>());
  EXPECT_EQ(w.status, "online");
  EXPECT_EQ(w.state, "running");
  EXPECT_EQ(w.active, expected["busy"].get<std::int64_t>());
  EXPECT_EQ(w.active, 1);
  EXPECT_EQ(w.concurrency, expected["concurrency"].get<std::int64_t>());
  EXPECT_EQ(w.queues, expected["queues"].get<std::vector<std::string>>());
  EXPECT_EQ(w.current_jobs, std::vector<std::string>{Id("slow")});
  EXPECT_TRUE(w.last_heartbeat.has_value());
}

TEST_F(SidekiqSourceTest, QueuesAndCountsEqualStatsAndQueueLatency) {
  const QueuesView view = CollectAs<QueuesView>(View::kQueues);
  const json truth = app_->CtlJson({"truth"});
  const json& stats = truth["stats"];
  EXPECT_EQ(view.processed_total, stats["processed"].get<std::int64_t>());
  EXPECT_EQ(view.failed_total, stats["failed"].get<std::int64_t>());
  EXPECT_EQ(view.jobs.at("scheduled"), stats["scheduled_size"].get<std::int64_t>());
  EXPECT_EQ(view.jobs.at("retry"), stats["retry_size"].get<std::int64_t>());
  EXPECT_EQ(view.jobs.at("dead"), stats["dead_size"].get<std::int64_t>());
  EXPECT_EQ(view.jobs.at("enqueued"), stats["enqueued"].get<std::int64_t>());
  EXPECT_EQ(view.jobs.at("busy"), stats["workers_size"].get<std::int64_t>());
  ASSERT_EQ(view.queues.size(), truth["queues"].size());
  for (const QueueInfo& q : view.queues) {
    SCOPED_TRACE(q.name);
    const json& expected = truth["queues"].at(q.name);
    EXPECT_EQ(q.messages, expected["size"].get<std::int64_t>());
    // Queue#latency is "now - enqueued_at of the head job" at its own reading: the same head,
    // read at our collection time.
    if (expected["oldest_enqueued_at"].is_null()) {
      EXPECT_EQ(expected["latency"], 0);
      EXPECT_EQ(q.oldest_job_age, 0.0);
    } else {
      EXPECT_GT(expected["latency"].get<double>(), 0);
      EXPECT_NEAR(q.oldest_job_age.value_or(-1),
                  view.timestamp - expected["oldest_enqueued_at"].get<double>(), 1e-3);
    }
    EXPECT_EQ(q.paused, false);
  }
  // The scenario's own numbers.
  EXPECT_EQ(view.processed_total, 6);
  EXPECT_EQ(view.failed_total, 3);
  EXPECT_EQ(view.jobs.at("retry"), 1);
  EXPECT_EQ(view.jobs.at("dead"), 2);
  EXPECT_EQ(view.jobs.at("scheduled"), 2);
  EXPECT_EQ(view.total_messages, 2);
  const auto parked = std::find_if(view.queues.begin(), view.queues.end(),
                                   [](const QueueInfo& q) { return q.name == "parked"; });
  ASSERT_NE(parked, view.queues.end());
  EXPECT_EQ(parked->consumers, 0);
  EXPECT_GT(parked->oldest_job_age.value_or(0), 0);
}

TEST_F(SidekiqSourceTest, OneJobByIdWhereverItIs) {
  const JobInfo retry = CollectAs<JobInfo>(View::kTask, Id("retry"));
  EXPECT_TRUE(retry.found);
  EXPECT_EQ(retry.status, "retry");
  EXPECT_EQ(retry.name, "RetryJob");
  EXPECT_EQ(retry.queue, "default");
  EXPECT_EQ(retry.exception, "ArgumentError: again");
  EXPECT_EQ(retry.retry_count, 0);
  const JobInfo busy = CollectAs<JobInfo>(View::kTask, Id("slow"));
  EXPECT_EQ(busy.status, "busy");
  EXPECT_EQ(busy.worker, CollectAs<WorkersView>(View::kWorkers).workers.at(0).hostname);
  EXPECT_TRUE(busy.started_at.has_value());
  const std::pair<const char*, const char*> statuses[] = {
      {"dead", "dead"}, {"scheduled", "scheduled"}, {"parked", "enqueued"}};
  for (const auto& [key, status] : statuses) {
    const JobInfo job = CollectAs<JobInfo>(View::kTask, Id(key));
    EXPECT_EQ(job.status, status) << key;
    EXPECT_EQ(job.id, Id(key));
  }
  // A finished job leaves no trace in Sidekiq's keys.
  EXPECT_FALSE(CollectAs<JobInfo>(View::kTask, Id("ok")).found);
  EXPECT_EQ(Collect(View::kTask, "*").error(), MakeErrorCode(Errc::kInvalidArgument));
}

TEST_F(SidekiqSourceTest, JobsViewSummaryHealthAndFamilies) {
  const JobsView jobs = CollectAs<JobsView>(View::kTasks);
  ASSERT_EQ(jobs.running.size(), 1u);
  EXPECT_EQ(jobs.running[0].id, Id("slow"));
  EXPECT_EQ(jobs.running[0].name, "SlowJob");
  EXPECT_EQ(jobs.running[0].queue, "default");
  const SummaryView summary = CollectAs<SummaryView>(View::kSummary);
  EXPECT_EQ(summary.workers_online, 1);
  EXPECT_EQ(summary.tasks_active, 1);
  EXPECT_EQ(summary.processed, 6);
  EXPECT_EQ(CollectAs<HealthView>(View::kHealth).status, "healthy");

  const WorkersView workers = CollectAs<WorkersView>(View::kWorkers);
  const QueuesView queues = CollectAs<QueuesView>(View::kQueues);
  std::string text;
  for (const MetricFamily& f : source_->ViewFamilies(&workers, &queues)) text += f.samples;
  for (const char* line : {"sidekiq_processed_jobs_total{source=\"web\"} 6\n",
                           "sidekiq_failed_jobs_total{source=\"web\"} 3\n",
                           "sidekiq_retry_jobs{source=\"web\"} 1\n",
                           "sidekiq_dead_jobs{source=\"web\"} 2\n",
                           "sidekiq_busy_workers{source=\"web\"} 1\n",
                           "sidekiq_processes{source=\"web\"} 1\n",
                           "sidekiq_workers{source=\"web\"} 2\n",
                           "sidekiq_queue_enqueued_jobs{source=\"web\",name=\"parked\"} 2\n",
                           "sidekiq_queue_busy_workers{source=\"web\",name=\"default\"} 1\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
}

}  // namespace
}  // namespace queuemon::sources::sidekiq
