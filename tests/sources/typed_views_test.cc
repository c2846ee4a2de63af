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
