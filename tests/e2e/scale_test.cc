// Scale, bounded: the real queuemond against a real redis-server holding a simulated cluster
// (bench/cluster_sim: 300 workers, each with its own pidbox subscription, and 2 000 queues).
// Every simulated worker, queue and task must be reported with the numbers the cluster model
// says; no test here asserts how long anything took. And the simulator itself is checked once
// against a real Celery worker: its replies must have the shape of the real ones.
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "bench/cluster_sim/cluster_sim.h"
#include "tests/e2e/e2e_support.h"
#include "tests/testing/celery_workers.h"
#include "tests/testing/eventually.h"
#include "tests/testing/io_context_threads.h"
#include "tests/testing/redis_server.h"

namespace queuemon::e2e {
namespace {

using namespace std::chrono_literals;
using bench::ClusterModel;
using bench::ClusterShape;
using bench::ClusterSimulator;
using nlohmann::json;
using testing::Eventually;

constexpr const char* kMethods[] = {"ping", "stats", "active_queues", "active", "reserved",
                                    "scheduled"};

// The shape of a JSON value: object keys with their shapes, an array's first element, the type
// of a scalar (integers and floats are both "number"). Maps whose keys are data (task names,
// transport options) are only "map".
json Shape(const json& value, const std::string& key = "") {
  if (value.is_object()) {
    if (key == "total" || key == "transport_options") return "map";
    json out = json::object();
    for (const auto& [k, v] : value.items()) out[k] = Shape(v, k);
    return out;
  }
  if (value.is_array()) return value.empty() ? json::array() : json::array({Shape(value.front())});
  if (value.is_number()) return "number";
  return value.type_name();
}

// celery's own inspect (ctl.py inspect-raw), stopping at `limit` replies per method.
json InspectRaw(testing::CeleryWorkers& workers, int limit) {
  std::vector<std::string> args = {"inspect-raw", "--limit", std::to_string(limit)};
  args.insert(args.end(), std::begin(kMethods), std::end(kMethods));
  const auto r = workers.Ctl(args);
  return json::parse(r.output, nullptr, false);
}

bool NonEmpty(const json& replies, const char* method, const std::string& node) {
  const json& list = replies.value(method, json::object()).value(node, json());
  return list.is_array() && !list.empty();
}

// A real worker w1 (concurrency 1) holding one task of each kind: executing, prefetched, and
// held for its ETA; two simulated workers beside it. For every method the real reply and the
// simulated worker's with the same kind of content have the same shape.
TEST(ScaleTest, SimulatedRepliesHaveTheShapeOfARealWorkers) {
  testing::IoContextThreads io(1);
  testing::RedisServer redis;
  testing::CeleryWorkers workers(redis.url(0), ::testing::TempDir() + "/scale_shape_logs");
  testing::CeleryWorkerSpec w1;
  w1.name = "w1";
  w1.queues = {"celery"};
  workers.Start({w1});
  testing::SendOptions held;
  held.args_json = "[30]";
  held.count = 2;
  workers.Send("sleepy", held);  // one executing, one prefetched behind it
  testing::SendOptions later;
  later.args_json = "[1]";
  later.countdown = 300;
  workers.Send("sleepy", later);

  ClusterSimulator sim(io.executor(), redis.url(0), ClusterShape{2, 3});
  ASSERT_TRUE(sim.Populate());
  sim.Start();
  ASSERT_TRUE(Eventually([&] { return sim.Subscribed(); }, 10s));

  const std::string real = workers.Node(0);
  json replies;
  ASSERT_TRUE(Eventually(
      [&] {
        replies = InspectRaw(workers, 3);
        return NonEmpty(replies, "active", real) && NonEmpty(replies, "reserved", real) &&
               NonEmpty(replies, "scheduled", real);
      },
      30s))
      << replies.dump();
  // sim-00001 has an active and a reserved task; sim-00000 a scheduled one (ClusterModel).
  const std::map<std::string, std::string> simulated = {
      {"ping", ClusterModel::WorkerName(0)},   {"stats", ClusterModel::WorkerName(0)},
      {"active_queues", ClusterModel::WorkerName(0)}, {"active", ClusterModel::WorkerName(1)},
      {"reserved", ClusterModel::WorkerName(1)}, {"scheduled", ClusterModel::WorkerName(0)}};
  for (const char* method : kMethods) {
    const json& by_node = replies[method];
    ASSERT_TRUE(by_node.contains(real) && by_node.contains(simulated.at(method)))
        << method << ": " << by_node.dump();
    EXPECT_EQ(Shape(by_node[simulated.at(method)]), Shape(by_node[real]))
        << method << "\nsimulated: " << by_node[simulated.at(method)].dump()
        << "\nreal: " << by_node[real].dump();
  }
}

// The bounded scale run: 300 simulated workers, 2 000 queues.
class ScaleViewsTest : public ::testing::Test {
 protected:
  static constexpr ClusterShape kShape{300, 2000};

  static void SetUpTestSuite() {
    io_ = new testing::IoContextThreads(1);
    redis_ = new testing::RedisServer();
    sim_ = new ClusterSimulator(io_->executor(), redis_->url(0), kShape);
    if (!sim_->Populate()) throw std::runtime_error("cluster_sim: populate failed");
    sim_->Start();
    if (!Eventually([] { return sim_->Subscribed(); }, 30s)) {
      throw std::runtime_error("cluster_sim: workers not subscribed");
    }
    testing::QueuemondConfig config;
    config.broker_url = redis_->url(0);
    config.caches_json = R"({"worker_status": {"ttl_seconds": 60}, "queue_status": {"ttl_seconds": 60},
        "task_status": {"ttl_seconds": 60}, "metrics_summary": {"ttl_seconds": 60},
        "health_check": {"ttl_seconds": 60}})";
    // An inspect round that waited for its deadline would outlast the request's own (504).
    config.source_extra_json = R"("inspect_timeout_ms": 60000)";
    config.top_extra_json = R"("http": {"request_timeout_ms": 30000})";
    config.warmup_deadline = 30s;
    daemon_ = new testing::QueuemondProcess(config);
    if (!daemon_->WaitReady()) throw std::runtime_error("queuemond not ready:\n" + daemon_->log());
  }
  static void TearDownTestSuite() {
    if (daemon_) {
      EXPECT_EQ(daemon_->Stop(), 0) << daemon_->log();
    }
    delete daemon_;
    delete sim_;
    delete redis_;
    delete io_;
  }

  static json View(const std::string& path) {
    const auto response = daemon_->Get(std::string(kApi) + path);
    EXPECT_EQ(Status(response), 200) << path << (response ? response->body : "");
    return Json(response);
  }

  static ClusterModel Model() { return ClusterModel(kShape); }

  static inline testing::IoContextThreads* io_ = nullptr;
  static inline testing::RedisServer* redis_ = nullptr;
  static inline ClusterSimulator* sim_ = nullptr;
  static inline testing::QueuemondProcess* daemon_ = nullptr;
};

// A number of `object`, or -1 when absent or not a number.
std::int64_t Int(const json& object, const char* key) {
  const json value = object.value(key, json());
  return value.is_number() ? value.get<std::int64_t>() : -1;
}

TEST_F(ScaleViewsTest, EveryWorkerIsReportedWithItsStatsAndQueues) {
  // Every worker answered each fresh round: the request came back before its 30 s deadline
  // while the round's own deadline is 60 s. Active and processed come from the heartbeats
  // (every 2 s per worker): wait until the daemon has had one from every worker.
  json view;
  ASSERT_TRUE(Eventually(
      [&] {
        view = View("/workers/status?use_cache=false");
        for (const json& w : view.value("workers", json::array())) {
          if (!w.value("last_heartbeat", json()).is_number()) return false;
        }
        return view.value("workers", json::array()).size() == kShape.workers;
      },
      15s))
      << view.dump().substr(0, 2000);
  EXPECT_EQ(view.value("online", -1), static_cast<int>(kShape.workers));
  std::map<std::string, json> by_name;
  for (const json& w : view["workers"]) by_name[w.value("hostname", "")] = w;
  for (std::size_t i = 0; i < kShape.workers; ++i) {
    const bench::SimWorker want = Model().Worker(i);
    ASSERT_TRUE(by_name.count(want.hostname)) << want.hostname;
    const json& got = by_name[want.hostname];
    EXPECT_EQ(got.value("status", ""), "online") << want.hostname;
    EXPECT_EQ(Int(got, "pid"), want.pid) << want.hostname;
    EXPECT_EQ(Int(got, "concurrency"), want.concurrency) << want.hostname;
    EXPECT_EQ(Int(got, "prefetch_count"), want.prefetch_count) << want.hostname;
    EXPECT_EQ(Int(got, "processed"), want.processed) << want.hostname;
    EXPECT_EQ(Int(got, "active"), static_cast<std::int64_t>(want.active.size())) << want.hostname;
    std::set<std::string> queues(got["queues"].begin(), got["queues"].end());
    EXPECT_EQ(queues, std::set<std::string>(want.queues.begin(), want.queues.end())) << want.hostname;
  }
}

TEST_F(ScaleViewsTest, EveryQueueIsReportedWithItsDepthByPriorityAndConsumers) {
  const json view = View("/queues/status?use_cache=false");
  std::map<std::string, json> by_name;
  for (const json& q : view["queues"]) by_name[q.value("name", "")] = q;
  ASSERT_EQ(by_name.size(), kShape.queues + 1) << "every simulated queue and celery";
  std::int64_t total = 0;
  for (std::size_t j = 0; j < kShape.queues; ++j) {
    const bench::SimQueue want = Model().Queue(j);
    ASSERT_TRUE(by_name.count(want.name)) << want.name;
    const json& got = by_name[want.name];
    EXPECT_EQ(Int(got, "messages"), want.messages()) << want.name;
    for (int step : {0, 3, 6, 9}) {
      const auto it = want.by_priority.find(step);
      EXPECT_EQ(got["by_priority"].value(std::to_string(step), -1),
                it == want.by_priority.end() ? 0 : it->second)
          << want.name << " step " << step;
    }
    EXPECT_EQ(Int(got, "consumers"), 1) << want.name;  // queue j: worker j % 300
    total += want.messages();
  }
  EXPECT_EQ(by_name["celery"].value("consumers", -1), static_cast<int>(kShape.workers));
  EXPECT_EQ(by_name["celery"].value("messages", -1), 0);
  EXPECT_EQ(view.value("total_messages", -1), total);
}

TEST_F(ScaleViewsTest, EveryTaskOfEveryWorkerIsReported) {
  const json view = View("/tasks/status?use_cache=false");
  std::int64_t active = 0, reserved = 0, scheduled = 0;
  std::map<std::string, json> by_name;
  for (const json& w : view["workers"]) by_name[w.value("hostname", "")] = w;
  for (std::size_t i = 0; i < kShape.workers; ++i) {
    const bench::SimWorker want = Model().Worker(i);
    active += static_cast<std::int64_t>(want.active.size());
    reserved += static_cast<std::int64_t>(want.reserved.size());
    scheduled += static_cast<std::int64_t>(want.scheduled.size());
    const json& got = by_name[want.hostname];
    for (const auto& [kind, tasks] : {std::pair{"active", &want.active},
                                      std::pair{"reserved", &want.reserved},
                                      std::pair{"scheduled", &want.scheduled}}) {
      std::set<std::string> ids, want_ids;
      for (const json& t : got.value(kind, json::array())) ids.insert(t.value("id", ""));
      for (const bench::SimTask& t : *tasks) want_ids.insert(t.id);
      EXPECT_EQ(ids, want_ids) << want.hostname << " " << kind;
    }
  }
  EXPECT_EQ(view.value("active", -1), active);
  EXPECT_EQ(view.value("reserved", -1), reserved);
  EXPECT_EQ(view.value("scheduled", -1), scheduled);
}

// Filters dashboards use at scale: each answer is the model's, paged, and cached as an entry of
// the view's own category (one more per distinct filter).
TEST_F(ScaleViewsTest, FilteredViewsAnswerWhatTheModelSays) {
  const json page = View("/workers/status?name=sim-0001&limit=5&offset=2");
  std::vector<std::string> names;
  for (const json& w : page["workers"]) names.push_back(w.value("hostname", ""));
  EXPECT_EQ(names, (std::vector<std::string>{ClusterModel::WorkerName(12), ClusterModel::WorkerName(13),
                                             ClusterModel::WorkerName(14), ClusterModel::WorkerName(15),
                                             ClusterModel::WorkerName(16)}));
  EXPECT_EQ(Int(page, "matched"), 10);  // sim-00010 .. sim-00019
  EXPECT_EQ(Int(page, "online"), 10);
  EXPECT_EQ(Int(View("/workers/status?status=offline"), "matched"), 0);

  const json busy = View("/queues/status?min_messages=4&name=simq-001");
  std::int64_t matched = 0;
  for (std::size_t j = 100; j < 200; ++j) matched += Model().Queue(j).messages() >= 4 ? 1 : 0;
  EXPECT_EQ(Int(busy, "matched"), matched);
  for (const json& q : busy["queues"]) {
    EXPECT_GE(Int(q, "messages"), 4) << q.dump();
    EXPECT_EQ(q.value("name", "").rfind("simq-001", 0), 0u) << q.dump();
  }
  const auto bad = daemon_->Get(std::string(kApi) + "/queues/status?min_messages=-1");
  EXPECT_EQ(Status(bad), 400);
  EXPECT_NE(Json(bad).value("detail", "").find("min_messages"), std::string::npos);
  const json stats = Json(daemon_->Get(std::string(kApi) + "/cache/stats"))["caches"];
  EXPECT_GE(Int(stats["worker_status"], "size"), 3) << "workers and its two filtered answers";
}

TEST_F(ScaleViewsTest, MetricsCarryEveryQueueLength) {
  View("/queues/status");  // cached: the scrape renders from it
  const auto metrics = daemon_->Get("/metrics");
  ASSERT_EQ(Status(metrics), 200);
  const std::regex sample(R"re(^celery_queue_length\{.*queue_name="([^"]+)".*\} (\S+)$)re");
  std::map<std::string, double> lengths;
  std::istringstream lines(metrics->body);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, sample)) lengths[m[1]] = std::stod(m[2]);
  }
  ASSERT_EQ(lengths.size(), kShape.queues + 1);
  for (std::size_t j = 0; j < kShape.queues; ++j) {
    const bench::SimQueue want = Model().Queue(j);
    EXPECT_EQ(lengths[want.name], static_cast<double>(want.messages())) << want.name;
  }
}

}  // namespace
}  // namespace queuemon::e2e
