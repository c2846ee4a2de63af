#include "sources/rq/rq_layout.h"

#include <gtest/gtest.h>

#include "sources/rq/exception_text.h"

#include <zlib.h>

namespace queuemon::sources::rq {
namespace {

using redis::RedisReply;

// Replies as Redis sends them.
RedisReply Str(std::string s) { return RedisReply::String(std::move(s)); }
RedisReply Int(std::int64_t v) { return RedisReply::Integer(v); }
RedisReply Array(std::vector<RedisReply> elements) { return RedisReply::Array(std::move(elements)); }

TEST(RqLayoutTest, WorkerFromItsHash) {
  const std::map<std::string, std::string> hash = {
      {"state", "busy"},
      {"queues", "default,high"},
      {"pid", "13159"},
      {"birth", "2026-12-02T06:47:09Z"},
      {"last_heartbeat", "2026-12-02T06:47:11.5Z"},
      {"current_job", "4d58"},
      {"successful_job_count", "4"},
      {"failed_job_count", "1"},
      {"total_working_time", "5.03149"},
      {"version", "1.13.0"}};
  const auto w = WorkerFromHash("rw1", hash, 1796194049.0);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->hostname, "rw1");
  EXPECT_EQ(w->status, "online");
  EXPECT_EQ(w->state, "busy");
  EXPECT_EQ(w->queues, (std::vector<std::string>{"default", "high"}));
  EXPECT_EQ(w->pid, 13159);
  EXPECT_EQ(w->processed, 4);
  EXPECT_EQ(w->failed, 1);
  EXPECT_EQ(w->active, 1);
  EXPECT_EQ(w->current_jobs, std::vector<std::string>{"4d58"});
  EXPECT_EQ(w->uptime, 20);
  EXPECT_NEAR(*w->last_heartbeat, 1796194031.5, 1e-6);
  EXPECT_EQ(w->total_working_time, 5.03149);
  EXPECT_EQ(w->sw_ver, "1.13.0");
}

TEST(RqLayoutTest, ExpiredOrGarbledWorkers) {
  EXPECT_FALSE(WorkerFromHash("gone", {}, 0));  // the hash expired: not listed, as Worker.all
  const auto w = WorkerFromHash("odd", {{"pid", "x"}, {"queues", ",,a,"}, {"birth", "?"},
                                        {"successful_job_count", "-"}, {"death", "2026"}},
                                0);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->status, "offline");
  EXPECT_EQ(w->pid, std::nullopt);
  EXPECT_EQ(w->queues, std::vector<std::string>{"a"});
  EXPECT_EQ(w->uptime, std::nullopt);
  EXPECT_EQ(w->processed, 0);
  EXPECT_EQ(w->active, 0);
  const auto huge = WorkerFromHash("big", {{"pid", "1e300"}, {"successful_job_count", "-inf"}}, 0);
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->pid, std::nullopt);
  EXPECT_EQ(huge->processed, 0);
}

TEST(RqLayoutTest, QueueCommandsAndReplies) {
  const auto commands = QueueCommands("default", 1000.5);
  ASSERT_EQ(commands.size(), kCommandsPerQueue);
  EXPECT_EQ(commands[0], (redis::RedisCommand{"LLEN", "rq:queue:default"}));
  EXPECT_EQ(commands[1], (redis::RedisCommand{"LINDEX", "rq:queue:default", "0"}));
  EXPECT_EQ(commands[3], (redis::RedisCommand{"ZCOUNT", "rq:wip:default", "(1000.500000", "+inf"}));
  EXPECT_EQ(commands[6], (redis::RedisCommand{"ZCARD", "rq:scheduled:default"}));

  std::vector<RedisReply> replies = {Int(3), Str("job-1"), Int(2), Int(1), Int(2), Int(3),
                                     Int(4), Int(5), Int(6)};
  std::string head;
  const QueueInfo q = QueueFromReplies("default", replies.data(), head);
  EXPECT_EQ(head, "job-1");
  EXPECT_EQ(q.messages, 3);
  EXPECT_EQ(q.consumers, 2);
  EXPECT_EQ(q.jobs, (std::map<std::string, std::int64_t>{{"queued", 3}, {"started", 1}, {"failed", 2},
                                                         {"finished", 3}, {"scheduled", 4},
                                                         {"deferred", 5}, {"canceled", 6}}));
  // A key of another type (someone else's data) reads as missing, never fails the view.
  RedisReply wrong;
  wrong.type = RedisReply::Type::kError;
  std::vector<RedisReply> errors(kCommandsPerQueue, wrong);
  const QueueInfo empty = QueueFromReplies("x", errors.data(), head);
  EXPECT_EQ(empty.messages, 0);
  EXPECT_EQ(head, "");

  const QueuesView view = BuildQueuesView({q, empty}, {1000.0, std::nullopt}, true, 1010.0);
  EXPECT_EQ(view.queues[0].name, "default");
  EXPECT_EQ(view.queues[0].oldest_job_age, 10.0);
  EXPECT_EQ(view.queues[1].oldest_job_age, 0.0);
  EXPECT_EQ(view.queues[0].paused, true);
  EXPECT_EQ(view.jobs.at("failed"), 2);
  EXPECT_EQ(view.total_messages, 3);
}

TEST(RqLayoutTest, JobFromFields) {
  const JobInfo job = JobFromFields(
      "j1", Array({Str("failed"), Str("default"), Str("jobs.fail('x')"), Str("2026-12-02T06:47:11Z"),
                   Str("2026-12-02T06:47:11Z"), Str("2026-12-02T06:47:12Z"), Str(""), Str("rw1"),
                   RedisReply{}}));
  EXPECT_TRUE(job.found);
  EXPECT_EQ(job.status, "failed");
  EXPECT_EQ(job.queue, "default");
  EXPECT_EQ(job.started_at, 1796194032.0);
  EXPECT_EQ(job.ended_at, std::nullopt);
  EXPECT_EQ(job.worker, "rw1");
  EXPECT_FALSE(JobFromFields("j2", Array(std::vector<RedisReply>(9))).found);  // no such job
  EXPECT_FALSE(JobFromFields("j3", Int(1)).found);
}

TEST(RqLayoutTest, ExceptionFromTheNewestResult) {
  // As RQ 1.13 stores it: base64(zlib.compress(b"Traceback: bad news")).
  const std::string stored = "eJwLKUpMTk1KTM62UkhKTFHISy0vBgBEwAbf";
  auto result = Array({Array({Str("1796194031883-0"),
                              Array({Str("type"), Str("2"), Str("exc_string"), Str(stored)})})});
  const auto text = ExceptionFromResults(result);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text, "Traceback: bad news");
  // Not base64, not zlib, no such field, no entry: no exception rather than an error.
  for (const std::string& bad : {std::string("!!!"), std::string("aGVsbG8=")}) {
    auto garbled = Array({Array({Str("1-0"), Array({Str("exc_string"), Str(bad)})})});
    EXPECT_EQ(ExceptionFromResults(garbled), std::nullopt) << bad;
  }
  EXPECT_EQ(ExceptionFromResults(Array({Array({Str("1-0"), Array({Str("type"), Str("1")})})})), std::nullopt);
  EXPECT_EQ(ExceptionFromResults(Array({})), std::nullopt);
  EXPECT_EQ(ExceptionFromResults(Int(0)), std::nullopt);
}

TEST(RqLayoutTest, ExceptionFromTheJobHashWithoutAResult) {
  // zlib.compress(b"Traceback: bad news"), as RQ < 1.12 kept it in exc_info.
  const std::string compressed = {'\x78', '\x9c', '\x0b', '\x29', '\x4a', '\x4c', '\x4e', '\x4d',
                                  '\x4a', '\x4c', '\xce', '\xb6', '\x52', '\x48', '\x4a', '\x4c',
                                  '\x51', '\xc8', '\x4b', '\x2d', '\x2f', '\x06', '\x00', '\x44',
                                  '\xc0', '\x06', '\xdf'};
  std::vector<RedisReply> fields(std::size(kJobFields));
  fields.back() = Str(compressed);
  EXPECT_EQ(ExceptionOfJob(Array(fields), Array({})), "Traceback: bad news");
  fields.back() = Str("not zlib");
  EXPECT_EQ(ExceptionOfJob(Array(fields), Array({})), std::nullopt);
}

TEST(RqLayoutTest, AZlibBombCostsBoundedWork) {
  // 8 MiB compress to ~8 KiB: inflating stops at kMaxInflatedBytes, the tail kept.
  std::string zeros(8 << 20, 'A');
  uLongf size = compressBound(zeros.size());
  std::string bomb(size, '\0');
  ASSERT_EQ(compress(reinterpret_cast<Bytef*>(bomb.data()), &size,
                     reinterpret_cast<const Bytef*>(zeros.data()), zeros.size()), Z_OK);
  bomb.resize(size);
  std::vector<RedisReply> fields(std::size(kJobFields));
  fields.back() = Str(bomb);
  const auto text = ExceptionOfJob(Array(fields), Array({}));
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(text->size(), kMaxExceptionBytes);
}

}  // namespace
}  // namespace queuemon::sources::rq
