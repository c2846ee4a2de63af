// CelerySource against a real redis-server and two real Celery workers (w1 with -E, w2
// without). Ground truth comes independently: the celery CLI (`inspect ... --json`) and plain
// redis-py (tests/celery_app/ctl.py). One redis + workers are shared by the suite.
#include "sources/celery/redis/celery_source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "redis/errors.h"
#include "sources/errors.h"
#include "sources/celery/inspect_replies.h"
#include "tests/testing/celery_workers.h"
#include "tests/testing/eventually.h"
#include "tests/testing/io_context_threads.h"
#include "tests/testing/numbered.h"
#include "tests/testing/redis_server.h"

namespace queuemon::sources::celery::over_redis {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::CeleryWorkers;

// SendOptions built positionally (designated initializers trip -Wmissing-field-initializers).
testing::SendOptions Opts(std::string args, std::string queue = "",
                          std::optional<int> priority = {}, std::optional<double> countdown = {},
                          int count = 1) {
  testing::SendOptions o;
  o.args_json = std::move(args);
  o.queue = std::move(queue);
  o.priority = priority;
  o.countdown = countdown;
  o.count = count;
  return o;
}

testing::CeleryWorkerSpec Worker(std::string name, bool task_events) {
  testing::CeleryWorkerSpec spec;
  spec.name = std::move(name);
  spec.task_events = task_events;
  return spec;
}

class CelerySourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new testing::RedisServer();
    workers_ = new CeleryWorkers(redis_->url(0), ::testing::TempDir() + "/celery_source_logs");
    workers_->Start({Worker("w1", true), Worker("w2", false)});
    io_ = new testing::IoContextThreads(2);
    CeleryOptions options;
    options.broker.url = redis_->url(0);
    options.queues = {"backlog"};  // nobody consumes it: its depth stays put
    collector_ = new CelerySource(io_->executor(), options, clock_);
    collector_->Start();
  }
  static void TearDownTestSuite() {
    collector_->Stop();
    delete collector_;
    delete io_;  // after the collector: its connections used the io_context
    delete workers_;
    delete redis_;
    std::filesystem::remove(ReleasePath());  // HeldTasks' file, now that no task waits for it
  }
  // Where HeldTasks signals its release. The pid keeps concurrent runs of this suite (other
  // build trees) from releasing each other.
  static std::string ReleasePath() {
    return ::testing::TempDir() +
           testing::Numbered("/celery_source_release_", static_cast<std::uint64_t>(getpid()));
  }

  static boost::system::result<Collected> Collect(View view, std::string task_id = {}) {
    return io_->Await(collector_->Collect(ViewRequest{view, std::move(task_id)}), seconds(10));
  }
  template <typename T>
  static T CollectAs(View view, std::string task_id = {}) {
    auto snap = Collect(view, std::move(task_id));
    if (!snap) throw std::runtime_error("collect failed: " + snap.error().message());
    // The body is the JSON of the typed data, serialized once.
    EXPECT_EQ(snap->body, ToJson(std::get<T>(snap->data)));
    return std::get<T>(snap->data);
  }
  // Polls `pred` (a real collection: every 100 ms, not 1 ms) until true or the deadline.
  template <typename Pred>
  static bool Eventually(Pred pred, milliseconds deadline = seconds(10)) {
    return testing::Eventually(pred, deadline, milliseconds(100));
  }
  static json Cli(const std::vector<std::string>& args) {
    auto r = workers_->CeleryCli(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return json::parse(r.output, nullptr, false);
  }
  static json Ctl(const std::vector<std::string>& args) {
    auto r = workers_->Ctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return json::parse(r.output, nullptr, false);
  }
  static const WorkerInfo* Find(const WorkersView& v, const std::string& node) {
    for (const auto& w : v.workers) {
      if (w.hostname == node) return &w;
    }
    return nullptr;
  }

  static inline base::SteadyClock clock_;
  static inline testing::RedisServer* redis_ = nullptr;
  static inline CeleryWorkers* workers_ = nullptr;
  static inline testing::IoContextThreads* io_ = nullptr;
  static inline CelerySource* collector_ = nullptr;
};

TEST_F(CelerySourceTest, WorkersMatchCeleryInspect) {
  ASSERT_TRUE(Eventually([] {
    const WorkersView v = CollectAs<WorkersView>(View::kWorkers);
    return v.online == 2 && std::all_of(v.workers.begin(), v.workers.end(),
                                        [](const WorkerInfo& w) { return w.last_heartbeat; });
  })) << "both workers should be online, with heartbeats";
  const WorkersView view = CollectAs<WorkersView>(View::kWorkers);
  const json stats = Cli({"inspect", "stats", "--json"});
  const json queues = Cli({"inspect", "active_queues", "--json"});
  ASSERT_EQ(view.workers.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string node = workers_->Node(i);
    const WorkerInfo* w = Find(view, node);
    ASSERT_NE(w, nullptr) << node;
    EXPECT_EQ(w->status, "online");
    EXPECT_EQ(w->pid, stats[node]["pid"].get<std::int64_t>());
    EXPECT_EQ(w->concurrency, stats[node]["pool"]["max-concurrency"].get<std::int64_t>());
    EXPECT_EQ(w->prefetch_count, stats[node]["prefetch_count"].get<std::int64_t>());
    EXPECT_EQ(w->heartbeat_freq, 2.0);
    EXPECT_EQ(w->sw_ident, "py-celery");
    std::vector<std::string> expected;
    for (const auto& q : queues[node]) expected.push_back(q["name"].get<std::string>());
    EXPECT_EQ(w->queues, expected);
  }
}

TEST_F(CelerySourceTest, QueuesMatchRedisListsPerPriority) {
  workers_->Send("add", Opts("[1, 2]", "backlog", {}, {}, 3));
  workers_->Send("add", Opts("[1, 2]", "backlog", 3, {}, 2));
  workers_->Send("add", Opts("[1, 2]", "backlog", 5));
  workers_->Send("add", Opts("[1, 2]", "backlog", 9, {}, 4));
  const QueuesView view = CollectAs<QueuesView>(View::kQueues);
  std::vector<std::string> names;
  for (const auto& q : view.queues) names.push_back(q.name);
  EXPECT_EQ(names, (std::vector<std::string>{"backlog", "celery", "reports"}));
  const json truth = Ctl({"depth", "backlog", "celery", "reports"});
  std::int64_t total = 0;
  for (const auto& q : view.queues) {
    std::int64_t sum = 0;
    for (int step : {0, 3, 6, 9}) {
      const std::int64_t n = truth[q.name][std::to_string(step)].get<std::int64_t>();
      EXPECT_EQ(q.by_priority.at(step), n) << q.name << " step " << step;
      sum += n;
    }
    EXPECT_EQ(q.messages, sum) << q.name;
    total += sum;
  }
  EXPECT_EQ(view.total_messages, total);
  const QueueInfo& backlog = view.queues[0];
  EXPECT_EQ(backlog.messages, 10);
  EXPECT_EQ(backlog.by_priority.at(3), 3);  // priorities 3 and 5 share a list
  EXPECT_EQ(backlog.consumers, 0);
  EXPECT_EQ(view.queues[1].consumers, 2);
  EXPECT_EQ(view.queues[2].consumers, 2);
  EXPECT_EQ(view.unacked_total, std::stoll(workers_->Ctl({"hlen", "unacked"}).output));
}

TEST_F(CelerySourceTest, TaskResultsFromBackend) {
  const std::string ok = workers_->Send("add", Opts("[2, 3]")).at(0);
  const std::string bad = workers_->Send("fail").at(0);
  EXPECT_EQ(workers_->Ctl({"result", ok}).output, "SUCCESS\n");
  EXPECT_EQ(workers_->Ctl({"result", bad}).output, "FAILURE\n");
  const TaskResult r1 = CollectAs<TaskResult>(View::kTask, ok);
  EXPECT_EQ(r1.state, "SUCCESS");
  EXPECT_EQ(r1.result_json, "5");
  EXPECT_TRUE(r1.date_done);
  const TaskResult r2 = CollectAs<TaskResult>(View::kTask, bad);
  EXPECT_EQ(r2.state, "FAILURE");
  EXPECT_NE(r2.traceback.value_or("").find("ValueError"), std::string::npos);
  EXPECT_EQ(CollectAs<TaskResult>(View::kTask, "00000000-0000-0000-0000-000000000000").state,
            "PENDING");
  auto invalid = Collect(View::kTask, "celery-task-meta-*");
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error(), sources::MakeErrorCode(sources::Errc::kInvalidArgument));
}

// Creates the release file of the `held` tasks (tests/celery_app/tasks.py) when it goes out of
// scope, so they end even when an assertion returns early.
class HeldTasks final {
 public:
  explicit HeldTasks(std::string path) : path_(std::move(path)) { std::filesystem::remove(path_); }
  // Releases the tasks. The file stays until the suite's workers are gone (TearDownTestSuite
  // removes it), since a task still waiting must find it.
  ~HeldTasks() { std::ofstream(path_).put('\n'); }
  HeldTasks(const HeldTasks&) = delete;
  HeldTasks& operator=(const HeldTasks&) = delete;
  std::string args() const { return json::array({path_, 300}).dump(); }

 private:
  std::string path_;
};

// Frozen state, then two observations: the four `held` tasks run (one per -c 1 worker) or wait
// reserved until the test releases them, and the two countdown tasks are due in 10 minutes. With
// prefetch 2 per worker (+1 per ETA task held), both workers then hold all six tasks, the queue
// is empty, and nothing can move between our snapshot and `celery inspect`: any difference is
// ours. (Before, sleepy tasks finished and prefetches landed between the two reads.)
TEST_F(CelerySourceTest, TasksMatchInspectActiveReservedScheduled) {
  HeldTasks release(ReleasePath());
  const auto scheduled = workers_->Send("add", Opts("[1, 1]", "", {}, 600, 2));
  const auto held = workers_->Send("held", Opts(release.args(), "", {}, {}, 4));
  ASSERT_TRUE(Eventually([] {
    const TasksView v = CollectAs<TasksView>(View::kTasks);
    return v.active == 2 && v.reserved == 2 && v.scheduled == 2;
  })) << "each worker should run one held task and reserve one; two countdown tasks scheduled";
  const TasksView view = CollectAs<TasksView>(View::kTasks);
  std::set<std::string> held_ids;
  for (const char* method : {"active", "reserved", "scheduled"}) {
    const json truth = Cli({"inspect", method, "--json"});
    std::set<std::string> expected, got;
    for (const auto& [node, list] : truth.items()) {
      for (const auto& t : list) {
        expected.insert(
            node + "/" +
            (std::string(method) == "scheduled" ? t["request"]["id"] : t["id"]).get<std::string>());
      }
    }
    for (const auto& w : view.workers) {
      const auto& list = std::string(method) == "active"     ? w.active
                         : std::string(method) == "reserved" ? w.reserved
                                                             : w.scheduled;
      for (const auto& t : list) {
        got.insert(w.hostname + "/" + t.id);
        if (std::string(method) != "scheduled") held_ids.insert(t.id);
      }
    }
    EXPECT_EQ(got, expected) << method;
  }
  EXPECT_EQ(held_ids, std::set<std::string>(held.begin(), held.end()));
  std::set<std::string> scheduled_ids;
  for (const auto& w : view.workers) {
    for (const auto& t : w.scheduled) {
      scheduled_ids.insert(t.id);
      EXPECT_TRUE(t.eta);
    }
  }
  EXPECT_EQ(scheduled_ids, std::set<std::string>(scheduled.begin(), scheduled.end()));
}

TEST_F(CelerySourceTest, SummaryAndHealthAgreeWithViews) {
  const SummaryView s = CollectAs<SummaryView>(View::kSummary);
  EXPECT_EQ(s.workers_online, 2);
  EXPECT_EQ(s.queues, 3);
  const json truth = Ctl({"depth", "backlog", "celery", "reports"});
  std::int64_t queued = 0;
  for (const auto& [q, steps] : truth.items()) {
    for (const auto& [step, n] : steps.items()) queued += n.get<std::int64_t>();
  }
  // Tasks may move between the two reads only in "celery"; backlog is stable.
  EXPECT_GE(s.queued_messages, 10);
  EXPECT_LE(s.queued_messages, queued + 4);
  const HealthView h = CollectAs<HealthView>(View::kHealth);
  EXPECT_TRUE(h.broker_reachable);
  EXPECT_EQ(h.workers_answering, 2);
  EXPECT_EQ(h.status, "healthy");
  const SourceStats stats = collector_->Stats();
  EXPECT_GT(stats.worker_requests, 0u);
  EXPECT_TRUE(stats.up);
  EXPECT_EQ(stats.malformed_replies, 0u);
}

TEST_F(CelerySourceTest, InspectRoundHonoursDestinationAndCleansUp) {
  CeleryOptions options;
  options.broker.url = redis_->url(0);
  redis::RedisConnection commands(io_->executor(), options.broker);
  CeleryInspector inspector(io_->executor(), options, CeleryKeys(options, 0), commands);
  std::vector<InspectMethod> methods(2);
  methods[0].method = "ping";
  methods[1].method = "registered";
  auto all = io_->Await(inspector.Round(methods));
  ASSERT_TRUE(all) << all.error().message();
  EXPECT_TRUE(all->complete);
  EXPECT_EQ(all->receivers.at("ping"), 2);
  EXPECT_EQ(all->bodies.at("ping").size(), 2u);
  EXPECT_EQ(all->bodies.at("registered").size(), 2u);
  auto one = io_->Await(inspector.Round(methods, {workers_->Node(0)}));
  ASSERT_TRUE(one);
  EXPECT_TRUE(one->complete);
  ASSERT_EQ(one->bodies.at("ping").size(), 1u);
  EXPECT_EQ(ReplyNode(one->bodies.at("ping")[0]).value(), workers_->Node(0));
  EXPECT_EQ(inspector.broadcasts(), 4u);
  // Every round removed its reply binding (workers would otherwise keep routing to it).
  EXPECT_EQ(workers_->Ctl({"scard", "_kombu.binding.reply.celery.pidbox"}).output, "0\n");
  inspector.Close();
  commands.Close();
}

TEST_F(CelerySourceTest, MalformedRepliesAreCountedAndSkipped) {
  const std::uint64_t before = collector_->Stats().malformed_replies;
  testing::ChildProcess fake = workers_->StartCtl({"fake-node", "fake@qm"});
  // Each round now gets, per method, one undecodable reply and one of the wrong shape from
  // the fake node besides the two real replies.
  ASSERT_TRUE(Eventually([&] {
    CollectAs<WorkersView>(View::kWorkers);
    return collector_->Stats().malformed_replies >= before + 4;  // 2 methods x 2 bad replies
  }));
  const WorkersView view = CollectAs<WorkersView>(View::kWorkers);
  ASSERT_EQ(view.workers.size(), 2u);  // the fake node poisons nothing
  for (const auto& w : view.workers) {
    EXPECT_TRUE(w.pid.has_value()) << w.hostname;
    EXPECT_FALSE(w.queues.empty()) << w.hostname;
  }
  fake.Stop(milliseconds(2000));
}

TEST_F(CelerySourceTest, KilledWorkerGoesOfflineWithinTwiceFreqPlusOneSecond) {
  ASSERT_TRUE(Eventually([] { return CollectAs<WorkersView>(View::kWorkers).online == 2; }));
  const std::string node = workers_->Node(1);
  workers_->Kill(1);  // SIGKILL: no worker-offline event
  const bool offline = Eventually(
      [&] {
        const WorkerInfo* w = Find(CollectAs<WorkersView>(View::kWorkers), node);
        return w != nullptr && w->status == "offline";
      },
      milliseconds(2 * 2000 + 1000));
  EXPECT_TRUE(offline);
  const HealthView h = CollectAs<HealthView>(View::kHealth);
  EXPECT_EQ(h.workers_answering, 1);
  EXPECT_EQ(h.workers_online, 1);
}

TEST_F(CelerySourceTest, ResumesAfterRedisRestart) {
  const std::string node = workers_->Node(0);
  const WorkerInfo* before = Find(CollectAs<WorkersView>(View::kWorkers), node);
  ASSERT_NE(before, nullptr);
  const double last_heartbeat = before->last_heartbeat.value_or(0);
  redis_->Stop();
  auto down = Collect(View::kQueues);
  ASSERT_FALSE(down);
  EXPECT_TRUE(down.error() == redis::MakeErrorCode(redis::Errc::kUnavailable) ||
              down.error() == redis::MakeErrorCode(redis::Errc::kTimeout))
      << down.error().message();
  const HealthView h = CollectAs<HealthView>(View::kHealth);
  EXPECT_FALSE(h.broker_reachable);
  EXPECT_EQ(h.status, "unhealthy");
  EXPECT_FALSE(collector_->Stats().up);
  redis_->Restart();
  EXPECT_TRUE(Eventually([] { return Collect(View::kQueues).has_value(); }, seconds(15)));
  EXPECT_TRUE(collector_->Stats().up);
  // The surviving worker reconnects and the event subscription resumes: a heartbeat newer
  // than the last one before the outage arrives, and the worker answers inspect again.
  EXPECT_TRUE(Eventually(
      [&] {
        const WorkersView v = CollectAs<WorkersView>(View::kWorkers);
        const WorkerInfo* w = Find(v, node);
        return w != nullptr && w->status == "online" &&
               w->last_heartbeat.value_or(0) > last_heartbeat && w->uptime.has_value();
      },
      seconds(20)));
}

}  // namespace
}  // namespace queuemon::sources::celery::over_redis
