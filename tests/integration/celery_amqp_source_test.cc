// Celery on RabbitMQ: the source against a real rabbitmq-server from Debian (private node,
// loopback ports, management plugin) and two real Celery workers on it, with a Redis result
// backend. Ground truth comes independently: the celery CLI (`inspect ... --json`) and the
// RabbitMQ management API. One broker, backend and pair of workers are shared by the suite.
// A restarted broker is e2e_celery_amqp_test's (the daemon watches it again).
#include "sources/celery/amqp/celery_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "amqp/errors.h"
#include "sources/errors.h"
#include "tests/testing/blackhole_listener.h"
#include "tests/testing/celery_workers.h"
#include "tests/testing/eventually.h"
#include "tests/testing/io_context_threads.h"
#include "tests/testing/numbered.h"
#include "tests/testing/rabbitmq_server.h"
#include "tests/testing/redis_server.h"

namespace queuemon::sources::celery::over_amqp {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::CeleryWorkers;

testing::SendOptions Opts(std::string args, std::string queue = "", int count = 1) {
  testing::SendOptions o;
  o.args_json = std::move(args);
  o.queue = std::move(queue);
  o.count = count;
  return o;
}

testing::CeleryWorkerSpec Worker(std::string name, bool task_events) {
  testing::CeleryWorkerSpec spec;
  spec.name = std::move(name);
  spec.task_events = task_events;
  return spec;
}

class CeleryAmqpSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rabbit_ = new testing::RabbitMqServer();
    redis_ = new testing::RedisServer();
    workers_ = new CeleryWorkers(rabbit_->amqp_url(), ::testing::TempDir() + "/celery_amqp_logs",
                                 redis_->url(0));
    workers_->Start({Worker("w1", true), Worker("w2", true)});
    io_ = new testing::IoContextThreads(2);
    with_management_ = MakeSource(true);
    with_declares_ = MakeSource(false);
    // A source that has not heard a heartbeat yet awaits nobody: its first round would run to
    // its deadline. Every worker heartbeats (events or not) every 2 s.
    for (CelerySource* source : {with_management_, with_declares_}) {
      if (!Eventually([source] { return source->Stats().workers_online == 2; })) {
        throw std::runtime_error("the sources should hear both workers' heartbeats");
      }
    }
  }
  static void TearDownTestSuite() {
    for (CelerySource* source : {with_management_, with_declares_}) {
      source->Stop();
      delete source;
    }
    delete io_;
    delete workers_;
    delete redis_;
    delete rabbit_;
    std::filesystem::remove(ReleasePath());
  }
  static CeleryAmqpOptions Options(bool management) {
    CeleryAmqpOptions options;
    options.name = management ? "rabbit" : "declares";
    options.broker.url = rabbit_->amqp_url();
    options.result_backend.url = redis_->url(0);
    if (management) options.management_url = rabbit_->management_url();
    options.queues = {"backlog"};  // nobody consumes it: its depth stays put
    // With the management API, long: a round that waited for its deadline would fail the
    // test's own 10 s bound. The other keeps the default (1 s).
    if (management) options.inspect_timeout = seconds(20);
    return options;
  }
  static CelerySource* MakeSource(bool management) {
    auto source = Options(management).MakeSource(io_->executor(), clock_);
    auto* celery = dynamic_cast<CelerySource*>(source.release());
    celery->Start();
    return celery;
  }
  static std::string ReleasePath() {
    return ::testing::TempDir() +
           testing::Numbered("/celery_amqp_release_", static_cast<std::uint64_t>(getpid()));
  }

  static boost::system::result<Collected> Collect(CelerySource* source, View view,
                                                  std::string arg = {}) {
    return io_->Await(source->Collect(ViewRequest{view, std::move(arg)}), seconds(10));
  }
  template <typename T>
  static T CollectAs(CelerySource* source, View view, std::string arg = {}) {
    auto snap = Collect(source, view, std::move(arg));
    if (!snap) throw std::runtime_error("collect failed: " + snap.error().message());
    EXPECT_EQ(snap->body, ToJson(std::get<T>(snap->data)));
    return std::get<T>(snap->data);
  }
  template <typename Pred>
  static bool Eventually(Pred pred, milliseconds deadline = seconds(15)) {
    return testing::Eventually(pred, deadline, milliseconds(100));
  }
  static json Cli(const std::vector<std::string>& args) {
    auto r = workers_->CeleryCli(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return json::parse(r.output, nullptr, false);
  }
  static const QueueInfo* FindQueue(const QueuesView& v, const std::string& name) {
    for (const auto& q : v.queues) {
      if (q.name == name) return &q;
    }
    return nullptr;
  }
  // The management API's figures of `name`, or null.
  static json ManagedQueue(const std::string& name) {
    const json queues = rabbit_->Management(
        "/queues/%2F?columns=name,messages_ready,messages_unacknowledged,consumers");
    if (!queues.is_array()) return nullptr;
    for (const auto& q : queues) {
      if (q.value("name", "") == name) return q;
    }
    return nullptr;
  }
  static std::set<std::string> QueueSet() {
    const auto names = rabbit_->QueueNames();
    return {names.begin(), names.end()};
  }

  static inline base::SteadyClock clock_;
  static inline testing::RabbitMqServer* rabbit_ = nullptr;
  static inline testing::RedisServer* redis_ = nullptr;
  static inline CeleryWorkers* workers_ = nullptr;
  static inline testing::IoContextThreads* io_ = nullptr;
  static inline CelerySource* with_management_ = nullptr;
  static inline CelerySource* with_declares_ = nullptr;
};

TEST_F(CeleryAmqpSourceTest, WorkersMatchCeleryInspect) {
  ASSERT_TRUE(Eventually([] {
    return CollectAs<WorkersView>(with_management_, View::kWorkers).online == 2;
  })) << "both workers should be online";
  // inspect_timeout is 20 s and the await bounds each collection at 10 s: the round ended when
  // every live worker (w1 by its heartbeats, w2 by its heartbeats or its last reply) answered.
  const WorkersView view = CollectAs<WorkersView>(with_management_, View::kWorkers);
  const json stats = Cli({"inspect", "stats", "--json"});
  ASSERT_EQ(view.workers.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string node = workers_->Node(i);
    const auto it = std::find_if(view.workers.begin(), view.workers.end(),
                                 [&node](const WorkerInfo& w) { return w.hostname == node; });
    ASSERT_NE(it, view.workers.end()) << node;
    EXPECT_EQ(it->status, "online");
    EXPECT_EQ(it->pid, stats[node]["pid"].get<std::int64_t>());
    EXPECT_EQ(it->concurrency, stats[node]["pool"]["max-concurrency"].get<std::int64_t>());
    EXPECT_EQ(it->prefetch_count, stats[node]["prefetch_count"].get<std::int64_t>());
  }
  const HealthView health = CollectAs<HealthView>(with_management_, View::kHealth);
  EXPECT_TRUE(health.broker_reachable);
  EXPECT_EQ(health.workers_answering, 2);
  EXPECT_EQ(with_management_->Stats().workers_online, 2u);
}

TEST_F(CeleryAmqpSourceTest, QueuesMatchTheManagementApiAndPassiveDeclarations) {
  workers_->Send("add", Opts("[1, 2]", "backlog", 7));
  // The management API refreshes its figures every second here: compare at the same moment.
  ASSERT_TRUE(Eventually([] {
    const QueuesView view = CollectAs<QueuesView>(with_management_, View::kQueues);
    const QueueInfo* backlog = FindQueue(view, "backlog");
    const json truth = ManagedQueue("backlog");
    return backlog != nullptr && !truth.is_null() && backlog->messages == 7 &&
           truth["messages_ready"] == backlog->messages &&
           truth["messages_unacknowledged"] == backlog->unacked.value_or(-1) &&
           truth["consumers"] == backlog->consumers;
  })) << "backlog should hold the 7 tasks, as the management API says";
  const QueuesView managed = CollectAs<QueuesView>(with_management_, View::kQueues);
  std::vector<std::string> names;
  for (const auto& q : managed.queues) names.push_back(q.name);
  // Celery's own pidbox and event queues and queuemon's are never listed.
  EXPECT_EQ(names, (std::vector<std::string>{"backlog", "celery", "reports"}));
  EXPECT_EQ(FindQueue(managed, "celery")->consumers, 2);
  EXPECT_EQ(ManagedQueue("celery")["consumers"], 2);
  // Passive declarations: ready messages and consumers at once, no unacked figure.
  const QueuesView declared = CollectAs<QueuesView>(with_declares_, View::kQueues);
  ASSERT_NE(FindQueue(declared, "backlog"), nullptr);
  EXPECT_EQ(FindQueue(declared, "backlog")->messages, 7);
  EXPECT_EQ(FindQueue(declared, "backlog")->consumers, 0);
  EXPECT_FALSE(FindQueue(declared, "backlog")->unacked);
  ASSERT_NE(FindQueue(declared, "celery"), nullptr);
  EXPECT_EQ(FindQueue(declared, "celery")->consumers, 2);
  EXPECT_EQ(declared.total_messages, FindQueue(declared, "backlog")->messages +
                                         FindQueue(declared, "celery")->messages +
                                         FindQueue(declared, "reports")->messages);
}

// Creates the release file of the `held` tasks when it goes out of scope.
class HeldTasks final {
 public:
  explicit HeldTasks(std::string path) : path_(std::move(path)) {}
  ~HeldTasks() { std::ofstream(path_).put('1'); }

 private:
  std::string path_;
};

TEST_F(CeleryAmqpSourceTest, TasksMatchCeleryInspectActive) {
  std::filesystem::remove(ReleasePath());
  HeldTasks release(ReleasePath());
  const auto ids = workers_->Send("held", Opts("[\"" + ReleasePath() + "\", 60]", "reports", 2));
  ASSERT_TRUE(Eventually([] {
    return CollectAs<TasksView>(with_management_, View::kTasks).active == 2;
  })) << "both held tasks should run (one per worker)";
  const TasksView view = CollectAs<TasksView>(with_management_, View::kTasks);
  const json active = Cli({"inspect", "active", "--json"});
  std::set<std::string> ours, theirs;
  for (const auto& w : view.workers) {
    for (const auto& t : w.active) ours.insert(t.id);
  }
  for (const auto& [node, tasks] : active.items()) {
    for (const auto& t : tasks) theirs.insert(t["id"].get<std::string>());
  }
  EXPECT_EQ(ours, theirs);
  EXPECT_EQ(ours, (std::set<std::string>(ids.begin(), ids.end())));
}

TEST_F(CeleryAmqpSourceTest, TaskResultsFromTheRedisBackendAndLiveStateFromEvents) {
  const std::string ok = workers_->Send("add", Opts("[2, 3]")).at(0);
  EXPECT_EQ(workers_->Ctl({"result", ok}).output, "SUCCESS\n");
  const TaskResult result = CollectAs<TaskResult>(with_management_, View::kTask, ok);
  EXPECT_EQ(result.state, "SUCCESS");
  EXPECT_EQ(result.result_json, "5");
  auto invalid = Collect(with_management_, View::kTask, "celery-task-meta-*");
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error(), sources::MakeErrorCode(sources::Errc::kInvalidArgument));
}

// The sum of `family`'s samples for task `name`, from the source's rendered families.
double TaskCounter(CelerySource* source, const std::string& family, const std::string& name) {
  double sum = 0;
  const auto families = source->Families();
  if (!families) return 0;
  for (const MetricFamily& f : *families) {
    if (f.name != family) continue;
    std::istringstream lines(f.samples);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("name=\"" + name + "\"") == std::string::npos) continue;
      sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return sum;
}

TEST_F(CeleryAmqpSourceTest, TaskEventsCountedExactly) {
  const EventStream& stream = with_management_->stream();
  const auto succeeded = [] {
    return TaskCounter(with_management_, "celery_task_succeeded_total", "tasks.add");
  };
  const double before = succeeded();
  const double sent_before = TaskCounter(with_management_, "celery_task_sent_total", "tasks.add");
  const auto ids = workers_->Send("add", Opts("[40, 2]", "celery", 5));
  ASSERT_EQ(ids.size(), 5u);
  ASSERT_TRUE(Eventually([&] {
    return std::all_of(ids.begin(), ids.end(), [&stream](const std::string& id) {
      const auto live = stream.tasks().Find(id);
      return live && live->state == "SUCCESS";
    });
  })) << "every task's events should arrive over AMQP";
  EXPECT_EQ(succeeded() - before, 5.0);
  EXPECT_EQ(TaskCounter(with_management_, "celery_task_sent_total", "tasks.add") - sent_before, 5.0);
  EXPECT_EQ(stream.counts().malformed, 0u);
}

TEST_F(CeleryAmqpSourceTest, QueuemonsQueuesAreExclusiveAndLeaveWithIt) {
  const std::set<std::string> before = QueueSet();
  CelerySource* source = MakeSource(true);
  std::set<std::string> ours;
  ASSERT_TRUE(Eventually([&] {
    ours.clear();
    for (const std::string& name : QueueSet()) {
      if (!before.contains(name)) ours.insert(name);
    }
    return ours.size() >= 2;
  })) << "the source should declare its queues";
  ASSERT_EQ(ours.size(), 2u) << "one event queue and one reply queue";
  EXPECT_EQ(std::count_if(ours.begin(), ours.end(),
                          [](const std::string& q) { return q.starts_with("celeryev."); }), 1);
  EXPECT_EQ(std::count_if(ours.begin(), ours.end(),
                          [](const std::string& q) { return q.ends_with(".reply.celery.pidbox"); }),
            1);
  const json queues = rabbit_->Management("/queues/%2F?columns=name,exclusive,auto_delete,arguments");
  for (const auto& q : queues) {
    if (!ours.contains(q["name"].get<std::string>())) continue;
    EXPECT_TRUE(q["exclusive"].get<bool>()) << q.dump();
    EXPECT_TRUE(q["auto_delete"].get<bool>()) << q.dump();
    EXPECT_TRUE(q["arguments"].contains("x-message-ttl")) << q.dump();
    EXPECT_TRUE(q["arguments"].contains("x-expires")) << q.dump();
  }
  source->Stop();
  delete source;
  ASSERT_TRUE(Eventually([&] {
    const std::set<std::string> now = QueueSet();
    return std::none_of(ours.begin(), ours.end(), [&now](const std::string& q) { return now.contains(q); });
  })) << "queuemon's queues should be gone with its connection";
}

// Over AMQP a round waits for the workers it knows alive. One killed without worker-offline
// (SIGKILL) must stop being awaited once its heartbeats stop, or every later round would run to
// its deadline (20 s here; each collection is bounded at 10 s by the test).
TEST_F(CeleryAmqpSourceTest, AKilledWorkerIsNotAwaitedOnceItsHeartbeatsStop) {
  workers_->Start({Worker("w3", true)});
  ASSERT_TRUE(Eventually([] { return with_management_->Stats().workers_online == 3; }));
  ASSERT_EQ(CollectAs<WorkersView>(with_management_, View::kWorkers).online, 3);  // w3 replied
  workers_->Kill(2);
  ASSERT_TRUE(Eventually([] { return with_management_->Stats().workers_online == 2; }))
      << "w3's heartbeats should stop";
  const WorkersView view = CollectAs<WorkersView>(with_management_, View::kWorkers);
  EXPECT_EQ(view.online, 2);
  EXPECT_EQ(view.offline, 1);
}

TEST_F(CeleryAmqpSourceTest, BlackholedBrokerAnswersInTime) {
  testing::BlackholeListener blackhole;
  CeleryAmqpOptions options = Options(false);
  options.name = "blackhole";
  options.broker.url = "amqp://guest:guest@127.0.0.1:" + std::to_string(blackhole.port()) + "//";
  options.broker.connect_timeout = milliseconds(300);
  options.broker.command_timeout = milliseconds(300);
  options.inspect_timeout = milliseconds(300);
  options.result_backend.url.clear();
  auto made = options.MakeSource(io_->executor(), clock_);
  made->Start();
  for (View view : {View::kWorkers, View::kQueues, View::kTasks, View::kSummary}) {
    auto result = io_->Await(made->Collect({view, ""}), seconds(5));
    ASSERT_FALSE(result) << ViewKey(view);
    EXPECT_TRUE(amqp::IsBrokerDown(result.error())) << result.error().message();
  }
  auto health = io_->Await(made->Collect({View::kHealth, ""}), seconds(5));
  ASSERT_TRUE(health);
  EXPECT_EQ(std::get<HealthView>(health->data).status, "unhealthy");
  EXPECT_FALSE(made->Stats().up);
  EXPECT_GT(made->Stats().broker_connect_failures, 0u);
  made->Stop();
}

}  // namespace
}  // namespace queuemon::sources::celery::over_amqp
