// ToJson shapes of every view.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sources/typed_views.h"

namespace queuemon::sources {
namespace {

using nlohmann::json;

TEST(SampleJsonTest, WorkersView) {
  WorkersView v;
  v.timestamp = 10;
  WorkerInfo w;
  w.hostname = "w1@h";
  w.status = "online";
  w.pid = 5;
  w.queues = {"celery"};
  v.workers.push_back(w);
  v.online = 1;
  const json j = json::parse(ToJson(v));
  EXPECT_EQ(j["online"], 1);
  EXPECT_EQ(j["workers"][0]["hostname"], "w1@h");
  EXPECT_EQ(j["workers"][0]["pid"], 5);
  EXPECT_TRUE(j["workers"][0]["active"].is_null());
  EXPECT_EQ(j["workers"][0]["queues"], json::array({"celery"}));
}

TEST(SampleJsonTest, QueuesViewUsesStringPriorityKeys) {
  QueuesView v;
  QueueInfo q;
  q.name = "celery";
  q.messages = 7;
  q.by_priority = {{0, 4}, {3, 3}};
  v.queues.push_back(q);
  v.total_messages = 7;
  const json j = json::parse(ToJson(v));
  EXPECT_EQ(j["queues"][0]["by_priority"]["3"], 3);
  EXPECT_TRUE(j["queues"][0]["unacked"].is_null());
  EXPECT_EQ(j["total_messages"], 7);
}

TEST(SampleJsonTest, TasksView) {
  TasksView v;
  WorkerTasks wt;
  wt.hostname = "w";
  TaskBrief t;
  t.id = "x";
  t.eta = "2026-01-01T00:00:00+00:00";
  wt.scheduled.push_back(t);
  v.workers.push_back(wt);
  v.scheduled = 1;
  const json j = json::parse(ToJson(v));
  EXPECT_EQ(j["workers"][0]["scheduled"][0]["eta"], "2026-01-01T00:00:00+00:00");
  EXPECT_EQ(j["workers"][0]["active"], json::array());
  EXPECT_EQ(j["scheduled"], 1);
}

TEST(SampleJsonTest, TaskResultEmbedsResultJson) {
  TaskResult r;
  r.task_id = "t";
  r.state = "FAILURE";
  r.result_json = R"({"exc_type": "ValueError"})";
  r.traceback = "Traceback";
  json j = json::parse(ToJson(r));
  EXPECT_EQ(j["result"]["exc_type"], "ValueError");
  EXPECT_EQ(j["traceback"], "Traceback");
  EXPECT_TRUE(j["date_done"].is_null());
  r.result_json = "not json";
  j = json::parse(ToJson(r));
  EXPECT_EQ(j["result"], "not json");
}

TEST(SampleJsonTest, SummaryAndHealth) {
  SummaryView s;
  s.queued_messages = 3;
  EXPECT_EQ(json::parse(ToJson(s))["queued_messages"], 3);
  HealthView h;
  h.status = "healthy";
  h.broker_reachable = true;
  const json j = json::parse(ToJson(h));
  EXPECT_EQ(j["status"], "healthy");
  EXPECT_EQ(j["broker_reachable"], true);
}

TEST(SampleJsonTest, InvalidUtf8IsReplacedNotThrown) {
  WorkersView v;
  WorkerInfo w;
  w.hostname = "bad\xff";
  v.workers.push_back(w);
  std::string text;
  EXPECT_NO_THROW(text = ToJson(v));
  EXPECT_TRUE(json::accept(text));  // (gcc warns on a discarded parse even through a void cast)
}

}  // namespace
}  // namespace queuemon::sources

namespace queuemon::sources {
namespace {

TEST(SampleJsonTest, KindSpecificFieldsOnlyWhenSet) {
  // A Celery worker/queue has none of RQ's and Sidekiq's keys: its shape is unchanged.
  WorkersView celery;
  celery.workers.push_back(WorkerInfo{});
  const json c = json::parse(ToJson(celery));
  for (const char* key : {"state", "failed", "current_jobs", "total_working_time"}) {
    EXPECT_FALSE(c["workers"][0].contains(key)) << key;
  }
  QueuesView celery_queues;
  celery_queues.queues.push_back(QueueInfo{});
  const json cq = json::parse(ToJson(celery_queues));
  for (const char* key : {"oldest_job_age", "paused", "jobs"}) EXPECT_FALSE(cq["queues"][0].contains(key)) << key;
  for (const char* key : {"jobs", "processed_total", "failed_total"}) EXPECT_FALSE(cq.contains(key)) << key;

  WorkersView rq;
  WorkerInfo w;
  w.state = "idle";
  w.failed = 2;
  rq.workers.push_back(w);
  const json r = json::parse(ToJson(rq));
  EXPECT_EQ(r["workers"][0]["state"], "idle");
  EXPECT_EQ(r["workers"][0]["failed"], 2);
  EXPECT_EQ(r["workers"][0]["current_jobs"], json::array());
  QueuesView sidekiq;
  QueueInfo q;
  q.oldest_job_age = 1.5;
  q.paused = false;
  q.jobs = {{"enqueued", 3}};
  sidekiq.queues.push_back(q);
  sidekiq.processed_total = 11;
  const json s = json::parse(ToJson(sidekiq));
  EXPECT_EQ(s["queues"][0]["oldest_job_age"], 1.5);
  EXPECT_EQ(s["queues"][0]["paused"], false);
  EXPECT_EQ(s["queues"][0]["jobs"]["enqueued"], 3);
  EXPECT_EQ(s["processed_total"], 11);
}

TEST(SampleJsonTest, JobsAndOneJob) {
  JobsView v;
  v.timestamp = 5;
  v.jobs = {{"failed", 2}};
  v.by_queue["default"] = {{"failed", 2}};
  RunningJob running;
  running.id = "j";
  running.worker = "rw1";
  running.started_at = 4;
  v.running.push_back(running);
  const Serialized jobs = Serialize(v);
  const json j = json::parse(jobs.body);
  EXPECT_EQ(j["jobs"]["failed"], 2);
  EXPECT_EQ(j["by_queue"]["default"]["failed"], 2);
  EXPECT_EQ(j["running"][0]["worker"], "rw1");
  EXPECT_EQ(j["running"][0]["started_at"], 4);
  EXPECT_EQ(jobs.identity.find("timestamp"), std::string::npos);

  JobInfo job;
  job.id = "x";
  const json one = json::parse(Serialize(job).body);
  EXPECT_EQ(one["found"], false);
  EXPECT_EQ(one["status"], "unknown");
  EXPECT_TRUE(one["exception"].is_null());
}

}  // namespace
}  // namespace queuemon::sources
