// Reply-body parsers against the captured bodies of celery-redis-protocol.md §2.4 and against
// bodies of the wrong shape.
#include "sources/celery/inspect_replies.h"

#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace queuemon::sources::celery {
namespace {

constexpr const char* kStats = R"({"w1@vm": {"total": {"tasks.fail": 1, "tasks.late": 1,
  "tasks.add": 1, "tasks.sleepy": 18}, "pid": 11312, "clock": "769", "uptime": 191,
  "pool": {"max-concurrency": 2, "processes": [11319, 11321], "max-tasks-per-child": "N/A",
  "put-guarded-by-semaphore": false, "timeouts": [0, 0],
  "writes": {"total": 21, "avg": "0.50"}},
  "broker": {"hostname": "127.0.0.1", "port": 6401, "transport": "redis"},
  "prefetch_count": 8, "rusage": {"utime": 0.395408, "maxrss": 45028}}})";

constexpr const char* kActive = R"({"w1@vm": [{"id": "b003fd2c-d178-4d9d-af82-d74726ecae24",
  "name": "tasks.late", "args": [6], "kwargs": {}, "type": "tasks.late", "hostname": "w1@vm",
  "time_start": 1795318458.0537164, "acknowledged": false, "delivery_info": {"exchange": "",
  "routing_key": "celery", "priority": 0, "redelivered": null}, "worker_pid": 11319}]})";

constexpr const char* kReserved = R"j({"w1@vm": [{"id": "r1", "name": "tasks.add", "args": "(2, 3)",
  "kwargs": "{}", "type": "tasks.add", "hostname": "w1@vm", "time_start": null,
  "acknowledged": false, "delivery_info": {"exchange": "", "routing_key": "reports",
  "priority": 3, "redelivered": null}, "worker_pid": null}]})j";

constexpr const char* kScheduled = R"({"w1@vm": [{"eta": "2026-11-22T03:38:13.569644+00:00",
  "priority": 6, "request": {"id": "4693856a", "name": "tasks.sleepy", "args": [1], "kwargs": {},
  "type": "tasks.sleepy", "hostname": "w1@vm", "time_start": null, "acknowledged": false,
  "delivery_info": {"exchange": "", "routing_key": "celery", "priority": 0,
  "redelivered": null}, "worker_pid": null}}]})";

constexpr const char* kActiveQueues = R"({"w1@vm": [{"name": "celery", "exchange": {"name":
  "celery", "type": "direct"}, "routing_key": "celery", "durable": true},
  {"name": "reports", "routing_key": "reports"}]})";

// Celery 5.2 names no pool in stats; each pool's _get_info() has its own keys.
TEST(InspectRepliesTest, InfersThePoolFromTheShapeOfItsInfo) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"max-concurrency": 2, "processes": [1, 2], "writes": "N/A"})", "prefork"},
      {R"({"max-concurrency": 1, "processes": [7], "put-guarded-by-semaphore": true})", "solo"},
      {R"({"max-concurrency": 4, "threads": 4})", "threads"},
      {R"({"max-concurrency": 100, "free-threads": 99, "running-threads": 1})", "greenlet"},
      {R"({"implementation": "celery.concurrency.prefork:TaskPool"})", "prefork"},
      {R"({"max-concurrency": 3})", ""},
  };
  for (const auto& [pool, expected] : cases) {
    const std::string body = std::string(R"({"w@h": {"pid": 1, "pool": )") + pool + "}}";
    std::string why;
    auto reply = ParseStatsReply(body, &why);
    ASSERT_TRUE(reply) << why;
    EXPECT_EQ(reply->value.pool, expected) << pool;
  }
}

TEST(InspectRepliesTest, ParsesCapturedStats) {
  auto reply = ParseStatsReply(kStats);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->node, "w1@vm");
  EXPECT_EQ(reply->value.pid, 11312);
  EXPECT_EQ(reply->value.uptime, 191);
  EXPECT_EQ(reply->value.prefetch_count, 8);
  EXPECT_EQ(reply->value.concurrency, 2);
  EXPECT_EQ(reply->value.pool, "prefork");
  EXPECT_EQ(reply->value.processed, 21);
}

TEST(InspectRepliesTest, ParsesCapturedActive) {
  auto reply = ParseTaskListReply(kActive);
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->value.size(), 1u);
  const TaskBrief& t = reply->value[0];
  EXPECT_EQ(t.id, "b003fd2c-d178-4d9d-af82-d74726ecae24");
  EXPECT_EQ(t.name, "tasks.late");
  EXPECT_EQ(t.args, "[6]");
  EXPECT_EQ(t.kwargs, "{}");
  EXPECT_DOUBLE_EQ(*t.time_start, 1795318458.0537164);
  EXPECT_EQ(t.worker_pid, 11319);
  EXPECT_FALSE(t.acknowledged);
  EXPECT_EQ(t.routing_key, "celery");
  EXPECT_EQ(t.priority, 0);
}

TEST(InspectRepliesTest, ParsesReservedWithReprArgsAndNulls) {
  auto reply = ParseTaskListReply(kReserved);
  ASSERT_TRUE(reply);
  const TaskBrief& t = reply->value.at(0);
  EXPECT_EQ(t.args, "(2, 3)");
  EXPECT_FALSE(t.time_start);
  EXPECT_FALSE(t.worker_pid);
  EXPECT_EQ(t.routing_key, "reports");
  EXPECT_EQ(t.priority, 3);
}

TEST(InspectRepliesTest, ParsesCapturedScheduledKeepingMessagePriority) {
  auto reply = ParseScheduledReply(kScheduled);
  ASSERT_TRUE(reply);
  const TaskBrief& t = reply->value.at(0);
  EXPECT_EQ(t.id, "4693856a");
  EXPECT_EQ(t.eta, "2026-11-22T03:38:13.569644+00:00");
  EXPECT_EQ(t.priority, 0);  // not the timer priority 6
}

TEST(InspectRepliesTest, ParsesActiveQueuesAndPing) {
  auto queues = ParseActiveQueuesReply(kActiveQueues);
  ASSERT_TRUE(queues);
  EXPECT_EQ(queues->value, (std::vector<std::string>{"celery", "reports"}));
  auto ping = ParsePingReply(R"({"w1@vm": {"ok": "pong"}})");
  ASSERT_TRUE(ping);
  EXPECT_TRUE(ping->value);
  EXPECT_EQ(*ReplyNode(R"({"w9@x": 1})"), "w9@x");
}

TEST(InspectRepliesTest, EmptyListsAreFine) {
  auto reply = ParseTaskListReply(R"({"w2@vm": []})");
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->value.empty());
}

TEST(InspectRepliesTest, OddFieldTypesAreTreatedAsAbsent) {
  auto reply = ParseStatsReply(
      R"({"w1@vm": {"pid": "x", "uptime": 1e300, "pool": [], "total": {"a": "b"}}})");
  ASSERT_TRUE(reply);
  EXPECT_FALSE(reply->value.pid);
  EXPECT_FALSE(reply->value.uptime);
  EXPECT_FALSE(reply->value.concurrency);
  EXPECT_EQ(reply->value.processed, 0);
}

TEST(InspectRepliesTest, RejectsWrongShapes) {
  const char* stats_bad[] = {"",
                             "garbage",
                             "[]",
                             "{}",
                             R"({"a": {}, "b": {}})",
                             R"({"w1": []})",
                             R"j({"w1@vm": {"error": "KeyError('no_such_method')"}})j"};
  for (const char* body : stats_bad) {
    std::string why;
    EXPECT_FALSE(ParseStatsReply(body, &why)) << body;
    EXPECT_FALSE(why.empty()) << body;
  }
  EXPECT_FALSE(ParseTaskListReply(R"({"w1": {}})"));
  EXPECT_FALSE(ParseTaskListReply(R"({"w1": [1, 2]})"));
  EXPECT_FALSE(ParseScheduledReply(R"({"w1": [{"eta": "x"}]})"));
  EXPECT_FALSE(ParseActiveQueuesReply(R"({"w1": [{"nom": "celery"}]})"));
  EXPECT_FALSE(ParsePingReply(R"({"w1": "pong"})"));
}

TEST(InspectRepliesTest, ErrorReplyNamesTheWorkerAndError) {
  std::string why;
  EXPECT_FALSE(ParseTaskListReply(R"j({"w1@vm": {"error": "KeyError('x')"}})j", &why));
  EXPECT_NE(why.find("w1@vm"), std::string::npos);
  EXPECT_NE(why.find("KeyError"), std::string::npos);
}

TEST(InspectRepliesTest, HugeListParsesWithoutTrouble) {
  std::string body = R"({"w1": [)";
  for (int i = 0; i < 20000; ++i) body += std::string(i ? "," : "") + R"({"id": "x"})";
  body += "]}";
  auto reply = ParseTaskListReply(body);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->value.size(), 20000u);
}

}  // namespace
}  // namespace queuemon::sources::celery
