#include "sources/sidekiq/sidekiq_layout.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sources/sidekiq/job_lookup.h"

namespace queuemon::sources::sidekiq {
namespace {

using nlohmann::json;
using redis::RedisReply;

// Replies as Redis sends them.
RedisReply Str(std::string s) { return RedisReply::String(std::move(s)); }
RedisReply Int(std::int64_t v) { return RedisReply::Integer(v); }
RedisReply Array(std::vector<RedisReply> elements) { return RedisReply::Array(std::move(elements)); }

// Captured from Sidekiq 6.4.1 (a process running SlowJob).
const char* kInfo =
    R"({"hostname":"vm","started_at":1796194047.3581703,"pid":13214,"tag":"","concurrency":2,)"
    R"("queues":["default","low"],"labels":[],"identity":"vm:13214:b01effb332d7"})";
const char* kWork =
    R"({"queue":"default","payload":"{\"retry\":true,\"queue\":\"default\",\"args\":[5],)"
    R"(\"class\":\"SlowJob\",\"jid\":\"643912176dc1741f28b30701\",\"created_at\":1796194051.1063974,)"
    R"(\"enqueued_at\":1796194051.1064646}","run_at":1796194051})";

TEST(SidekiqLayoutTest, KeysUnderANamespace) {
  EXPECT_EQ(SidekiqKeys("")("processes"), "processes");
  EXPECT_EQ(SidekiqKeys("app")("processes"), "app:processes");
  EXPECT_EQ(SidekiqKeys("app").Queue("default"), "app:queue:default");
  EXPECT_EQ(ProcessCommands(SidekiqKeys("app"), "h:1:a")[1],
            (redis::RedisCommand{"HGETALL", "app:h:1:a:workers"}));
  EXPECT_EQ(ProcessCommands(SidekiqKeys("app"), "h:1:a")[2],
            (redis::RedisCommand{"HGETALL", "app:h:1:a:work"}));  // Sidekiq 7+
  EXPECT_EQ(ScanSetCommand(SidekiqKeys(""), "retry", "0", "abc"),
            (redis::RedisCommand{"ZSCAN", "retry", "0", "MATCH", "*abc*", "COUNT", "1000"}));
}

TEST(SidekiqLayoutTest, ProcessWithItsRunningJob) {
  std::vector<RunningJob> running;
  const auto w = WorkerFromProcess("vm:13214:b01effb332d7",
                                   Array({Str(kInfo), Str("1"), Str("1796194052.36516"), Str("false")}),
                                   std::vector<RedisReply>{Array({Str("auy"), Str(kWork)}), Array({})},
                                   1796194057.3581703, running);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->status, "online");
  EXPECT_EQ(w->state, "running");
  EXPECT_EQ(w->active, 1);
  EXPECT_EQ(w->concurrency, 2);
  EXPECT_EQ(w->pid, 13214);
  EXPECT_EQ(w->queues, (std::vector<std::string>{"default", "low"}));
  EXPECT_EQ(w->uptime, 10);
  EXPECT_EQ(w->last_heartbeat, 1796194052.36516);
  EXPECT_EQ(w->current_jobs, std::vector<std::string>{"643912176dc1741f28b30701"});
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].name, "SlowJob");
  EXPECT_EQ(running[0].queue, "default");
  EXPECT_EQ(running[0].started_at, 1796194051.0);
}

TEST(SidekiqLayoutTest, DeadOrGarbledProcesses) {
  std::vector<RunningJob> running;
  // info expired: the process stopped beating (ProcessSet skips it).
  EXPECT_FALSE(WorkerFromProcess("p", Array({RedisReply{}, RedisReply{}, RedisReply{}, RedisReply{}}),
                                 {}, 0, running));
  EXPECT_FALSE(WorkerFromProcess("p", Int(1), {}, 0, running));
  // Garbage JSON everywhere: listed, with what could be read.
  const auto w = WorkerFromProcess("p", Array({Str("{not json"), Str("x"), Str("y"), Str("true")}),
                                   std::vector<RedisReply>{Array({Str("t"), Str("[1,2]"), Str("t2"), Str("{\"payload\":7}")})},
                                   0, running);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->state, "quiet");
  EXPECT_EQ(w->active, 0);
  EXPECT_EQ(w->concurrency, std::nullopt);
  EXPECT_TRUE(w->current_jobs.empty());
  EXPECT_TRUE(running.empty());
  // Numbers no int64 holds are unknown, not undefined behaviour.
  const auto huge = WorkerFromProcess(
      "p", Array({Str(R"({"concurrency":1e300,"pid":-1e300,"started_at":-1e300})"), Str("1"), Str("2"), Str("false")}),
      {}, 0, running);
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->concurrency, std::nullopt);
  EXPECT_EQ(huge->pid, std::nullopt);
  EXPECT_EQ(huge->uptime, std::nullopt);
}

TEST(SidekiqLayoutTest, QueuesWithLatencyConsumersAndTotals) {
  const std::vector<RedisReply> stats = {Array({}), Str("11"), Str("7"), Int(1), Int(2), Int(3), Array({})};
  const std::vector<RedisReply> queues = {
      Int(2), Str(R"({"jid":"a","enqueued_at":1796194051.5})"), Int(0),   // "default"
      Int(1), Str(R"({"jid":"b","enqueued_at":1796194051000})"), Int(1),  // "ms": Sidekiq 8's milliseconds
      Int(0), RedisReply{}, Int(0)};                                // "empty"
  const std::vector<RedisReply> processes = {Array({Str(kInfo), Str("2")}),
                                             Array({RedisReply{}, RedisReply{}})};  // a dead one
  const QueuesView v = BuildQueuesView({"default", "ms", "empty"}, stats, queues, processes, 1796194061.5);
  ASSERT_EQ(v.queues.size(), 3u);
  EXPECT_EQ(v.queues[0].name, "default");
  EXPECT_EQ(v.queues[0].oldest_job_age, 10.0);
  EXPECT_EQ(v.queues[0].consumers, 1);
  EXPECT_EQ(v.queues[0].paused, false);
  EXPECT_EQ(v.queues[1].name, "empty");
  EXPECT_EQ(v.queues[1].oldest_job_age, 0.0);
  EXPECT_EQ(v.queues[2].name, "ms");
  EXPECT_EQ(v.queues[2].oldest_job_age, 10.5);
  EXPECT_EQ(v.queues[2].paused, true);
  EXPECT_EQ(v.processed_total, 11);
  EXPECT_EQ(v.failed_total, 7);
  EXPECT_EQ(v.total_messages, 3);
  EXPECT_EQ(v.jobs, (std::map<std::string, std::int64_t>{
                        {"enqueued", 3}, {"busy", 2}, {"scheduled", 1}, {"retry", 2}, {"dead", 3}}));
}

TEST(SidekiqLayoutTest, JobsFromTheirJson) {
  const json retry = json::parse(
      R"({"retry":5,"queue":"default","args":["again"],"class":"RetryJob","jid":"8e1d",)"
      R"("created_at":1796194051.107738,"enqueued_at":1796194051.107768,"error_message":"again",)"
      R"("error_class":"ArgumentError","failed_at":1796194051.1094205,"retry_count":0})");
  const JobInfo job = JobFromJson("8e1d", retry, "retry");
  EXPECT_EQ(job.status, "retry");
  EXPECT_EQ(job.name, "RetryJob");
  EXPECT_EQ(job.exception, "ArgumentError: again");
  EXPECT_EQ(job.retry_count, 0);
  EXPECT_EQ(job.ended_at, 1796194051.1094205);
  EXPECT_EQ(FindJob({"{\"jid\":\"x\"}", retry.dump()}, "8e1d", "dead")->status, "dead");
  EXPECT_FALSE(FindJob({"\"8e1d\" but not json", "{\"jid\":\"8e1d0\"}"}, "8e1d", "dead"));
  // Found in Sidekiq 7's work hash as in 6's.
  const std::vector<RedisReply> work = {Array({}), Array({Str("t"), Str(kWork)})};
  const auto busy = BusyJob("643912176dc1741f28b30701", "vm:1:a", work);
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, "busy");
  EXPECT_EQ(busy->worker, "vm:1:a");
  EXPECT_EQ(busy->started_at, 1796194051.0);
  EXPECT_FALSE(BusyJob("other", "vm:1:a", work));
}

TEST(SidekiqLayoutTest, DeeplyNestedJobsAreReadWithoutRecursion) {
  // A job planted by another client, nested far deeper than any stack allows a recursive copy.
  const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
  const std::string job = R"({"jid":"deep","class":"X","args":)" + deep + R"(,"enqueued_at":1796194051})";
  const std::vector<RedisReply> stats = {Array({}), Str("0"), Str("0"), Int(0), Int(0), Int(0), Array({})};
  const std::vector<RedisReply> queue = {Int(1), Str(job), Int(0)};
  const QueuesView v = BuildQueuesView({"q"}, stats, queue, {}, 1796194061.0);
  EXPECT_EQ(v.queues.at(0).oldest_job_age, 10.0);
  EXPECT_EQ(FindJob({job}, "deep", "enqueued")->name, "X");
  const std::string work = R"({"queue":"q","payload":)" + job + R"(,"run_at":1})";
  std::vector<RunningJob> running;
  const auto w = WorkerFromProcess("p", Array({Str("{}"), Str("1"), Str("1"), Str("false")}),
                                   std::vector<RedisReply>{Array({Str("t"), Str(work)})}, 0, running);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->current_jobs, std::vector<std::string>{"deep"});
}

}  // namespace
}  // namespace queuemon::sources::sidekiq
