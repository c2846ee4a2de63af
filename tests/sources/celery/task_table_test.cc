// TaskTable: task state as Celery's events.state orders it, the byte budget (finished tasks
// evicted first), the newest-first filtered listing and the per-name statistics.
#include "sources/celery/task_table.h"

#include <gtest/gtest.h>

namespace queuemon::sources::celery {
namespace {

TaskEvent Event(TaskEventType type, const std::string& id, double t,
                const std::string& name = "", const std::string& host = "w1@box") {
  TaskEvent e;
  e.type = type;
  e.uuid = id;
  e.hostname = host;
  e.name = name;
  e.timestamp = t;
  e.local_received = t;
  return e;
}

TaskTableOptions Options(std::size_t max_bytes = std::size_t{1} << 20) {
  TaskTableOptions o;
  o.max_bytes = max_bytes;
  o.stats_window = std::chrono::seconds(100);
  return o;
}

TEST(TaskTableTest, AnEventThatLogicallyPrecedesOnlyFillsInFields) {
  TaskTable table(Options());
  table.Apply(Event(TaskEventType::kReceived, "a", 1, "t.add"));
  table.Apply(Event(TaskEventType::kStarted, "a", 2));
  TaskEvent sent = Event(TaskEventType::kSent, "a", 0.5, "t.add", "gen@client");
  sent.queue = "reports";
  const AppliedEvent applied = table.Apply(sent);  // arrives last, as clients race workers
  const auto task = table.Find("a");
  ASSERT_TRUE(task);
  EXPECT_EQ(task->state, "STARTED");
  EXPECT_EQ(task->queue, "reports");
  EXPECT_EQ(task->worker, "w1@box") << "task-sent names the client, not the worker";
  EXPECT_EQ(applied.queue, "reports");
  ASSERT_TRUE(applied.queue_wait);
  EXPECT_DOUBLE_EQ(*applied.queue_wait, 1.5);
  EXPECT_FALSE(table.Apply(Event(TaskEventType::kSucceeded, "a", 3)).queue_wait) << "once per task";
  EXPECT_EQ(table.Find("a")->state, "SUCCESS");
}

TEST(TaskTableTest, RetryAlwaysMovesTheState) {
  TaskTable table(Options());
  table.Apply(Event(TaskEventType::kStarted, "a", 1, "t"));
  table.Apply(Event(TaskEventType::kRetried, "a", 2));
  EXPECT_EQ(table.Find("a")->state, "RETRY");
  table.Apply(Event(TaskEventType::kReceived, "a", 3));
  EXPECT_EQ(table.Find("a")->state, "RECEIVED");
}

TEST(TaskTableTest, ArgsAreKeptOnlyWhenAskedAndTracebacksAreTruncated) {
  TaskTableOptions o = Options();
  o.max_traceback_bytes = 10;
  TaskTable table(o);
  TaskEvent received = Event(TaskEventType::kReceived, "a", 1, "t");
  received.args = "('secret',)";
  table.Apply(received);
  TaskEvent failed = Event(TaskEventType::kFailed, "a", 2);
  failed.traceback = std::string(100, 'x');
  table.Apply(failed);
  EXPECT_FALSE(table.Find("a")->args);
  EXPECT_LT(table.Find("a")->traceback.size(), 40u);
  o.keep_task_args = true;
  TaskTable keeping(o);
  keeping.Apply(received);
  EXPECT_EQ(keeping.Find("a")->args, "('secret',)");
}

// A flood of tasks into a small budget: the budget holds, finished tasks go first, and an
// unfinished task survives while finished ones remain to evict.
TEST(TaskTableTest, AFloodKeepsTheByteBudgetEvictingFinishedTasksFirst) {
  constexpr std::size_t kBudget = 1 << 20;
  TaskTable table(Options(kBudget));
  table.Apply(Event(TaskEventType::kStarted, "long-running", 0, "t.long"));
  int n = 0;
  for (; table.evictions() < 5000; ++n) {
    const std::string id = "task-" + std::to_string(n);
    TaskEvent failed = Event(TaskEventType::kFailed, id, n, "t.flood");
    failed.traceback = std::string(300, 't');
    table.Apply(Event(TaskEventType::kReceived, id, n, "t.flood"));
    table.Apply(failed);
    ASSERT_LE(table.bytes(), kBudget);
  }
  EXPECT_TRUE(table.Find("long-running")) << "unfinished tasks outlive finished ones";
  EXPECT_FALSE(table.Find("task-0"));
  EXPECT_TRUE(table.Find("task-" + std::to_string(n - 1)));
  EXPECT_EQ(table.size() + table.evictions(), static_cast<std::size_t>(n) + 1);
}

TEST(TaskTableTest, RecentListsNewestFirstWithFiltersAndPages) {
  TaskTable table(Options());
  for (int i = 0; i < 6; ++i) {
    const std::string id = "t" + std::to_string(i);
    const std::string worker = i < 3 ? "w1@a" : "w2@b";
    table.Apply(Event(TaskEventType::kReceived, id, i, i % 2 ? "odd" : "even", worker));
    if (i % 3 == 0) table.Apply(Event(TaskEventType::kSucceeded, id, i + 0.5, "", worker));
  }
  TaskQuery all;
  const RecentTasksView view = table.Recent(all, 100);
  ASSERT_EQ(view.total, 6);
  EXPECT_EQ(view.tasks.front().id, "t5");
  EXPECT_EQ(view.tasks.back().id, "t0");
  TaskQuery page;
  page.name = "odd";
  page.limit = 1;
  page.offset = 1;
  const RecentTasksView odd = table.Recent(page, 100);
  EXPECT_EQ(odd.total, 3);
  ASSERT_EQ(odd.tasks.size(), 1u);
  EXPECT_EQ(odd.tasks[0].id, "t3");  // t3 updated after t5 (its success), so t3, t5, t1
  TaskQuery on_host;
  on_host.worker = "b";
  on_host.state = "SUCCESS";
  EXPECT_EQ(table.Recent(on_host, 100).total, 1);
}

TEST(TaskTableTest, StatsCountStatesAndRuntimePercentilesInTheWindow) {
  TaskTable table(Options());
  for (int i = 1; i <= 100; ++i) {
    TaskEvent ok = Event(TaskEventType::kSucceeded, "s" + std::to_string(i), 1000, "t.add");
    ok.runtime = i / 100.0;
    table.Apply(Event(TaskEventType::kReceived, ok.uuid, 1000, "t.add"));
    table.Apply(ok);
  }
  table.Apply(Event(TaskEventType::kReceived, "f", 1000, "t.add"));
  table.Apply(Event(TaskEventType::kFailed, "f", 1000));
  table.Apply(Event(TaskEventType::kFailed, "old", 500, "t.add"));  // outside the 100 s window
  const TaskStatsView stats = table.Stats(1050);
  ASSERT_EQ(stats.tasks.size(), 1u);
  const TaskNameStats& s = stats.tasks[0];
  EXPECT_EQ(s.name, "t.add");
  EXPECT_EQ(s.states.at("SUCCESS"), 100);
  EXPECT_EQ(s.states.at("FAILURE"), 2);
  EXPECT_EQ(s.succeeded, 100);
  EXPECT_EQ(s.failed, 1);
  EXPECT_DOUBLE_EQ(*s.failure_rate, 1.0 / 101);
  EXPECT_DOUBLE_EQ(*s.runtime_p50, 0.50);
  EXPECT_DOUBLE_EQ(*s.runtime_p95, 0.95);
  EXPECT_DOUBLE_EQ(*s.runtime_p99, 0.99);
}

}  // namespace
}  // namespace queuemon::sources::celery
