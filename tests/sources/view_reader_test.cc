// ReadViewBody: every supported view's body reads back into a value that Serializes to the same
// body (bodies it refuses: view_reader_malformed_test.cc).
#include "sources/view_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "tests/sources/sample_views.h"

namespace queuemon::sources {
namespace {

using samples::CeleryQueue;
using samples::CeleryWorker;
using samples::RqWorker;
using samples::SidekiqQueue;
using samples::Task;

// Serialize(v).body read back as `view` and Serialized again gives the same body.
template <typename T>
::testing::AssertionResult RoundTrips(View view, const T& v) {
  const std::string body = Serialize(v).body;
  const ViewData data = ReadViewBody(view, body);
  const T* read = std::get_if<T>(&data);
  if (read == nullptr) return ::testing::AssertionFailure() << "not read back: " << body;
  const std::string again = Serialize(*read).body;
  if (again != body) {
    return ::testing::AssertionFailure() << "wrote\n  " << body << "\nread back as\n  " << again;
  }
  return ::testing::AssertionSuccess();
}

// The typed form of v's body, which the test expects to be read.
template <typename T>
T ReadBack(View view, const T& v) {
  const ViewData data = ReadViewBody(view, Serialize(v).body);
  const T* read = std::get_if<T>(&data);
  EXPECT_NE(read, nullptr) << Serialize(v).body;
  return read != nullptr ? *read : T{};
}

TEST(ViewReaderTest, CeleryWorkerWithEveryOptionalNullRoundTrips) {
  WorkersView v;
  v.timestamp = 1700000002.5;
  WorkerInfo w;
  w.hostname = "celery@quiet";
  v.workers = {w, CeleryWorker()};
  v.online = 1;
  v.unknown = 1;
  EXPECT_TRUE(RoundTrips(View::kWorkers, v));
  const WorkersView read = ReadBack(View::kWorkers, v);
  ASSERT_EQ(read.workers.size(), 2u);
  EXPECT_FALSE(read.workers[0].last_heartbeat);
  EXPECT_FALSE(read.workers[0].pid);
  EXPECT_FALSE(read.workers[0].state);
  EXPECT_FALSE(read.workers[0].failed);
  EXPECT_FALSE(read.workers[0].total_working_time);
  EXPECT_EQ(read.workers[1].loadavg, (std::vector<double>{0.5, 0.25, 0.1}));
  EXPECT_FALSE(read.page);
}

TEST(ViewReaderTest, RqWorkerKeepsStateFailedCurrentJobsAndWorkingTime) {
  WorkersView v;
  v.timestamp = 1700000002;
  v.workers = {RqWorker()};
  v.online = 1;
  EXPECT_TRUE(RoundTrips(View::kWorkers, v));
  const WorkerInfo read = ReadBack(View::kWorkers, v).workers.at(0);
  EXPECT_EQ(read.state, "busy");
  EXPECT_EQ(read.failed, 2);
  EXPECT_EQ(read.current_jobs, std::vector<std::string>{"job-1"});
  EXPECT_EQ(read.total_working_time, 12.75);
}

TEST(ViewReaderTest, WorkerWithStateAndNoCurrentJobsRoundTrips) {
  WorkersView v;
  WorkerInfo w = RqWorker();
  w.state = "idle";
  w.current_jobs.clear();
  v.workers = {w};
  EXPECT_TRUE(RoundTrips(View::kWorkers, v));
}

TEST(ViewReaderTest, FilteredWorkersKeepTheirPageWithLimitSetOrUnset) {
  WorkersView v;
  v.workers = {CeleryWorker()};
  v.online = 1;
  v.page = ViewPage{.matched = 9, .limit = 1, .offset = 4};
  EXPECT_TRUE(RoundTrips(View::kWorkers, v));
  EXPECT_EQ(ReadBack(View::kWorkers, v).page->limit, 1);
  v.page = ViewPage{.matched = 9, .limit = std::nullopt, .offset = 0};
  EXPECT_TRUE(RoundTrips(View::kWorkers, v));
  const std::optional<ViewPage> page = ReadBack(View::kWorkers, v).page;
  ASSERT_TRUE(page);
  EXPECT_EQ(page->matched, 9);
  EXPECT_FALSE(page->limit);
}

TEST(ViewReaderTest, SidekiqQueueKeepsPausedOldestJobAgeAndJobs) {
  QueuesView v;
  v.timestamp = 1700000003.25;
  v.queues = {SidekiqQueue()};
  v.total_messages = 5;
  EXPECT_TRUE(RoundTrips(View::kQueues, v));
  const QueueInfo read = ReadBack(View::kQueues, v).queues.at(0);
  EXPECT_EQ(read.paused, true);
  EXPECT_EQ(read.oldest_job_age, 42.5);
  EXPECT_EQ(read.jobs.at("scheduled"), 1);
  EXPECT_FALSE(read.unacked);
}

TEST(ViewReaderTest, QueuesViewKeepsJobsAndTotals) {
  QueuesView v;
  v.queues = {SidekiqQueue()};
  v.jobs = {{"enqueued", 5}, {"failed", 3}};
  v.processed_total = 1000;
  v.failed_total = 3;
  EXPECT_TRUE(RoundTrips(View::kQueues, v));
  const QueuesView read = ReadBack(View::kQueues, v);
  EXPECT_EQ(read.processed_total, 1000);
  EXPECT_EQ(read.failed_total, 3);
  EXPECT_EQ(read.jobs, v.jobs);
}

TEST(ViewReaderTest, CeleryQueueReadsPriorityKeysAsSteps) {
  QueuesView v;
  QueueInfo empty;
  empty.name = "empty";
  v.queues = {CeleryQueue(), empty};
  v.total_messages = 7;
  v.unacked_total = 1;
  EXPECT_TRUE(RoundTrips(View::kQueues, v));
  const QueuesView read = ReadBack(View::kQueues, v);
  EXPECT_EQ(read.queues.at(0).by_priority, (std::map<int, std::int64_t>{{0, 4}, {3, 2}, {9, 1}}));
  EXPECT_FALSE(read.queues.at(0).paused);
  EXPECT_TRUE(read.queues.at(1).by_priority.empty());
  EXPECT_FALSE(read.processed_total);
}

TEST(ViewReaderTest, FilteredQueuesKeepTheirPage) {
  QueuesView v;
  v.queues = {CeleryQueue()};
  v.page = ViewPage{.matched = 1, .limit = 50, .offset = 0};
  EXPECT_TRUE(RoundTrips(View::kQueues, v));
  v.page->limit.reset();
  EXPECT_TRUE(RoundTrips(View::kQueues, v));
  EXPECT_TRUE(ReadBack(View::kQueues, v).page);
}

TEST(ViewReaderTest, TasksViewKeepsEachListWithItsOptionalFieldsSetOrNull) {
  TaskBrief active = Task("a1");
  active.time_start = 1700000000.75;
  active.worker_pid = 4242;
  active.acknowledged = true;
  TaskBrief reserved = Task("r1");
  reserved.priority = 9;
  TaskBrief scheduled = Task("s1");
  scheduled.eta = "2026-01-01T00:00:00+00:00";
  scheduled.priority = 0;
  WorkerTasks busy{.hostname = "celery@h1",
                   .active = {active, Task("a2")},
                   .reserved = {reserved},
                   .scheduled = {scheduled}};
  WorkerTasks idle;
  idle.hostname = "celery@h2";
  TasksView v;
  v.timestamp = 1700000004;
  v.workers = {busy, idle};
  v.active = 2;
  v.reserved = 1;
  v.scheduled = 1;
  EXPECT_TRUE(RoundTrips(View::kTasks, v));
  const TasksView read = ReadBack(View::kTasks, v);
  EXPECT_EQ(read.workers.at(0).active.at(0).time_start, 1700000000.75);
  EXPECT_FALSE(read.workers.at(0).active.at(1).time_start);
  EXPECT_EQ(read.workers.at(0).scheduled.at(0).eta, "2026-01-01T00:00:00+00:00");
  EXPECT_EQ(read.workers.at(0).scheduled.at(0).priority, 0);
  EXPECT_FALSE(read.workers.at(0).reserved.at(0).eta);
  EXPECT_TRUE(read.workers.at(1).active.empty());
}

TEST(ViewReaderTest, SummaryRoundTripsWithAndWithoutJobs) {
  SummaryView s;
  s.timestamp = 1700000005.5;
  s.workers_online = 3;
  s.workers_offline = 1;
  s.tasks_active = 4;
  s.tasks_reserved = 5;
  s.tasks_scheduled = 6;
  s.queued_messages = 7;
  s.unacked_messages = 8;
  s.processed = 9000;
  s.queues = 2;
  EXPECT_TRUE(RoundTrips(View::kSummary, s));
  EXPECT_TRUE(ReadBack(View::kSummary, s).jobs.empty());
  s.jobs = {{"queued", 7}, {"started", 4}};
  EXPECT_TRUE(RoundTrips(View::kSummary, s));
  EXPECT_EQ(ReadBack(View::kSummary, s).jobs, s.jobs);
}

TEST(ViewReaderTest, HealthyAndUnhealthyHealthRoundTrip) {
  HealthView healthy{.timestamp = 1700000006,
                     .broker_reachable = true,
                     .broker_rtt_ms = 0.42,
                     .workers_answering = 3,
                     .workers_online = 3,
                     .status = "healthy"};
  EXPECT_TRUE(RoundTrips(View::kHealth, healthy));
  EXPECT_EQ(ReadBack(View::kHealth, healthy).broker_rtt_ms, 0.42);
  HealthView unhealthy;
  unhealthy.timestamp = 1700000007;
  EXPECT_TRUE(RoundTrips(View::kHealth, unhealthy));
  EXPECT_FALSE(ReadBack(View::kHealth, unhealthy).broker_reachable);
}

TEST(ViewReaderTest, EmptyViewsRoundTrip) {
  EXPECT_TRUE(RoundTrips(View::kWorkers, WorkersView{}));
  EXPECT_TRUE(RoundTrips(View::kQueues, QueuesView{}));
  EXPECT_TRUE(RoundTrips(View::kTasks, TasksView{}));
  EXPECT_TRUE(RoundTrips(View::kSummary, SummaryView{}));
  EXPECT_TRUE(RoundTrips(View::kHealth, HealthView{}));
}

TEST(ViewReaderTest, ExtremeNumbersRoundTrip) {
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  QueuesView v;
  v.timestamp = 0.1 + 0.2;  // not a short decimal
  QueueInfo q = CeleryQueue();
  q.by_priority = {
      {std::numeric_limits<int>::min(), kMin}, {-1, 0}, {std::numeric_limits<int>::max(), kMax}};
  q.oldest_job_age = -0.0;
  v.queues = {q};
  v.total_messages = kMax;
  v.unacked_total = kMin;
  EXPECT_TRUE(RoundTrips(View::kQueues, v));
  EXPECT_EQ(ReadBack(View::kQueues, v).queues.at(0).by_priority, q.by_priority);
}

// Serialize writes a NaN or an infinity as null, also where a member is written only when set.
TEST(ViewReaderTest, NonFiniteDoublesRoundTripAsNull) {
  WorkersView v;
  v.timestamp = std::numeric_limits<double>::quiet_NaN();
  WorkerInfo w = RqWorker();
  w.loadavg = {std::numeric_limits<double>::infinity(), 1.0};
  w.last_heartbeat = std::numeric_limits<double>::quiet_NaN();
  w.total_working_time = -std::numeric_limits<double>::infinity();
  v.workers = {w};
  EXPECT_TRUE(RoundTrips(View::kWorkers, v));
  const WorkerInfo read = ReadBack(View::kWorkers, v).workers.at(0);
  ASSERT_TRUE(read.total_working_time);
  EXPECT_TRUE(std::isnan(*read.total_working_time));
  EXPECT_FALSE(read.last_heartbeat);  // null where unset is written as null: unset
}

}  // namespace
}  // namespace queuemon::sources
