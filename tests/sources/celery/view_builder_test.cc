// View assembly from parsed replies and the worker table; task-meta parsing.
#include "sources/celery/view_builder.h"

#include <gtest/gtest.h>

#include "sources/celery/redis/results.h"

namespace queuemon::sources::celery {
namespace {

std::map<std::string, std::vector<std::string>> Bodies() {
  return {
      {"stats",
       {R"({"w1@h": {"pid": 10, "uptime": 5, "prefetch_count": 8, "total": {"tasks.add": 3},
           "pool": {"max-concurrency": 2}}})",
        R"({"w2@h": {"pid": 20, "total": {}}})", "garbage"}},
      {"active_queues",
       {R"({"w1@h": [{"name": "celery"}, {"name": "reports"}]})",
        R"({"w2@h": [{"name": "celery"}]})"}},
      {"active", {R"({"w1@h": [{"id": "a", "name": "tasks.sleepy"}]})"}},
      {"reserved", {R"({"w1@h": [{"id": "b"}, {"id": "c"}]})", R"({"w2@h": {"error": "x"}})"}},
      {"scheduled", {R"({"w2@h": [{"eta": "2026", "request": {"id": "d"}}]})"}},
      {"ping", {R"({"w1@h": {"ok": "pong"}})"}},
  };
}

TEST(CeleryViewsTest, ParseRepliesCountsMalformedAndKeepsTheRest) {
  const ParsedReplies r = ParseReplies(Bodies());
  EXPECT_EQ(r.malformed, 2u);
  EXPECT_EQ(r.stats.size(), 2u);
  EXPECT_EQ(r.queues.at("w1@h").size(), 2u);
  EXPECT_EQ(r.tasks.at("w1@h").reserved.size(), 2u);
  EXPECT_TRUE(r.tasks.at("w2@h").reserved.empty());
  EXPECT_EQ(r.pong, std::set<std::string>{"w1@h"});
}

TEST(CeleryViewsTest, WorkersMergeEventsAndInspect) {
  WorkerInfo w1;
  w1.hostname = "w1@h";
  w1.status = "online";
  w1.processed = 7;  // events win over stats' total
  WorkerInfo w3;
  w3.hostname = "w3@h";
  w3.status = "offline";
  const WorkersView v = BuildWorkersView({w1, w3}, ParseReplies(Bodies()), 100);
  ASSERT_EQ(v.workers.size(), 3u);
  EXPECT_EQ(v.workers[0].hostname, "w1@h");
  EXPECT_EQ(v.workers[0].processed, 7);
  EXPECT_EQ(v.workers[0].concurrency, 2);
  EXPECT_EQ(v.workers[0].queues, (std::vector<std::string>{"celery", "reports"}));
  EXPECT_EQ(v.workers[1].hostname, "w2@h");
  EXPECT_EQ(v.workers[1].status, "online");  // answered inspect, no events: proof of life
  EXPECT_EQ(v.workers[1].pid, 20);
  EXPECT_EQ(v.workers[2].status, "offline");  // no recent event, no reply
  EXPECT_EQ(v.online, 2);
  EXPECT_EQ(v.offline, 1);
  EXPECT_EQ(v.unknown, 0);
}

TEST(CeleryViewsTest, TasksQueuesSummary) {
  const ParsedReplies r = ParseReplies(Bodies());
  const TasksView t = BuildTasksView(r, 1);
  EXPECT_EQ(t.active, 1);
  EXPECT_EQ(t.reserved, 2);
  EXPECT_EQ(t.scheduled, 1);
  QueuesView q;
  for (const auto& [name, messages] : {std::pair{"celery", 5}, {"reports", 1}, {"idle", 0}}) {
    QueueInfo queue;
    queue.name = name;
    queue.messages = messages;
    q.queues.push_back(queue);
  }
  q.total_messages = 6;
  q.unacked_total = 2;
  AddConsumers(r, q);
  EXPECT_EQ(q.queues[0].consumers, 2);
  EXPECT_EQ(q.queues[1].consumers, 1);
  EXPECT_EQ(q.queues[2].consumers, 0);
  EXPECT_EQ(ConsumedQueues(r), (std::vector<std::string>{"celery", "reports"}));
  ParsedReplies twice = r;  // a worker naming a queue twice is still one consumer
  twice.queues.begin()->second.push_back(twice.queues.begin()->second.front());
  AddConsumers(twice, q);
  EXPECT_EQ(q.queues[0].consumers, 2);
  EXPECT_EQ(q.queues[1].consumers, 1);
  const WorkersView w = BuildWorkersView({}, r, 1);
  const SummaryView s = BuildSummaryView(w, t, q, 1);
  EXPECT_EQ(s.queued_messages, 6);
  EXPECT_EQ(s.unacked_messages, 2);
  EXPECT_EQ(s.tasks_reserved, 2);
  EXPECT_EQ(s.processed, 3);
  EXPECT_EQ(s.queues, 3);
}

TEST(CeleryViewsTest, HealthStatus) {
  EXPECT_EQ(BuildHealthView(false, 0, 0, 2, 1).status, "unhealthy");
  EXPECT_EQ(BuildHealthView(true, 0.2, 2, 2, 1).status, "healthy");
  EXPECT_EQ(BuildHealthView(true, 0.2, 1, 2, 1).status, "degraded");
  EXPECT_EQ(BuildHealthView(true, 0.2, 0, 0, 1).status, "degraded");
}

TEST(TaskMetaTest, ParsesBackendValues) {
  auto ok = sources::celery::over_redis::ParseTaskMeta("t", R"({"status": "SUCCESS", "result": 5, "traceback": null,
      "children": [], "date_done": "2026-11-22T03:34:18.039087", "task_id": "t"})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->state, "SUCCESS");
  EXPECT_EQ(ok->result_json, "5");
  EXPECT_FALSE(ok->traceback);
  EXPECT_EQ(ok->date_done, "2026-11-22T03:34:18.039087");
  auto failed = sources::celery::over_redis::ParseTaskMeta("t", R"({"status": "FAILURE", "result": {"exc_type": "ValueError"},
      "traceback": "Traceback ...", "date_done": null})");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->traceback, "Traceback ...");
  EXPECT_FALSE(failed->date_done);
  EXPECT_FALSE(sources::celery::over_redis::ParseTaskMeta("t", "not json"));
  EXPECT_FALSE(sources::celery::over_redis::ParseTaskMeta("t", R"({"result": 1})"));
  EXPECT_FALSE(sources::celery::over_redis::ParseTaskMeta("t", R"({"status": 3})"));
}

}  // namespace
}  // namespace queuemon::sources::celery
