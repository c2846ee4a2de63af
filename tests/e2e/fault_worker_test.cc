// Worker faults at daemon level (issue "Reliability and security", item 1): the real queuemond
// binary against a real redis-server and two real Celery workers — w1 consuming "celery", w2
// consuming only "victim" — polled over HTTP. A worker SIGKILLed mid-task goes offline in the
// workers view within 2 x its heartbeat frequency + 1 s while the other stays online, and the
// messages it held stay visible as unacked; a pidbox node that answers inspect with garbage is
// counted in /metrics and skipped while the real workers are still served. Ground truth comes
// from redis-py (tests/celery_app/ctl.py), never from queuemon code. Each test has its own
// redis, workers and daemon. Label e2e.
#include <chrono>
#include <memory>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_support.h"
#include "tests/testing/celery_workers.h"
#include "tests/testing/eventually.h"
#include "tests/testing/queuemond_process.h"
#include "tests/testing/redis_server.h"

namespace queuemon::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kVictimQueue = "victim";
// Short TTLs so that what a poll sees is at most 0.2 s older than the collector's state: the
// cache is not what these tests measure.
constexpr const char* kCachesJson =
    R"({"worker_status": {"ttl_seconds": 0.2}, "queue_status": {"ttl_seconds": 0.2},
        "task_status": {"ttl_seconds": 0.2}})";
// Allowance on top of 2 x freq + 1 s for observing the change: the worker_status TTL (0.2 s),
// the poll interval (50 ms) and one request with its collection (~0.25 s on a loaded machine).
constexpr auto kObserveSlack = 500ms;

class FaultWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workers_ = std::make_unique<testing::CeleryWorkers>(
        redis_.url(0), ::testing::TempDir() + "/fault_worker_logs");
    testing::CeleryWorkerSpec w1, w2;
    w1.name = "w1";
    w1.queues = {"celery"};
    w2.name = "w2";
    w2.queues = {kVictimQueue};
    workers_->Start({w1, w2});
    testing::QueuemondConfig config;
    config.broker_url = redis_.url(0);
    config.queues = {kVictimQueue};
    config.caches_json = kCachesJson;
    daemon_ = std::make_unique<testing::QueuemondProcess>(config);
    ASSERT_TRUE(daemon_->WaitReady()) << daemon_->log();
  }
  void TearDown() override {
    if (daemon_) {
      EXPECT_EQ(daemon_->Stop(), 0) << daemon_->log();
    }
  }

  json Get(const std::string& path) const { return Json(daemon_->Get(kApi + path)); }

  // The entry of `node` in a workers or tasks view ("workers": [{"hostname": ...}]), or null.
  static json Worker(const json& view, const std::string& node) {
    if (!view.is_object() || !view.contains("workers")) return nullptr;
    for (const auto& w : view["workers"]) {
      if (w.value("hostname", "") == node) return w;
    }
    return nullptr;
  }
  static bool Online(const json& worker) {
    return worker.is_object() && worker.value("status", "") == "online";
  }

  // Online with a heartbeat received (an inspect reply alone makes a worker online too).
  static bool Heartbeating(const json& worker) {
    return Online(worker) && worker["last_heartbeat"].is_number();
  }

  // Polls the (cached) workers view until both workers are online with heartbeats.
  bool BothOnline() const {
    return testing::Eventually(
        [&] {
          const json view = Get("/workers/status");
          return Heartbeating(Worker(view, workers_->Node(0))) &&
                 Heartbeating(Worker(view, workers_->Node(1)));
        },
        20s, 100ms);
  }

  std::optional<double> MalformedReplies() const {
    return daemon_->Metric(R"(queuemon_collector_malformed_replies_total{source="celery"})");
  }

  testing::RedisServer redis_;
  std::unique_ptr<testing::CeleryWorkers> workers_;
  std::unique_ptr<testing::QueuemondProcess> daemon_;  // destroyed first
};

TEST_F(FaultWorkerTest, KilledWorkerGoesOfflineWithinTwiceFreqPlusOneSecondTasksStayUnacked) {
  const std::string survivor = workers_->Node(0), victim = workers_->Node(1);
  ASSERT_TRUE(BothOnline()) << daemon_->log();
  const json before = Worker(Get("/workers/status"), victim);
  ASSERT_TRUE(before["heartbeat_freq"].is_number()) << before.dump();
  const double freq = before["heartbeat_freq"].get<double>();

  // w2 (-c 1, prefetch 2) runs one acks_late task and holds a second prefetched one; both are
  // in kombu's `unacked` hash. The third waits in the list.
  workers_->Send("late", Send("[60]", kVictimQueue, {}, 3));
  std::set<std::string> held;
  ASSERT_TRUE(testing::Eventually(
      [&] {
        const json w = Worker(Get("/tasks/status?use_cache=false"), victim);
        if (!w.is_object() || w["active"].size() != 1 || w["reserved"].size() != 1) return false;
        held = {w["active"][0]["id"].get<std::string>(), w["reserved"][0]["id"].get<std::string>()};
        return true;
      },
      20s, 100ms))
      << "w2 should run one task and hold one prefetched";

  const Clock::time_point killed_at = Clock::now();
  workers_->Kill(1);  // SIGKILL to the worker's process group, mid-task: no worker-offline event
  const auto limit = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(2 * freq + 1.0) + kObserveSlack);
  bool survivor_online = true;
  const bool offline = testing::Eventually(
      [&] {
        const json view = Get("/workers/status");
        survivor_online = survivor_online && Online(Worker(view, survivor));
        return Worker(view, victim).value("status", "") == "offline";
      },
      killed_at + limit - Clock::now(), 50ms);
  const auto seen_after =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed_at).count();
  RecordProperty("offline_seen_after_ms", std::to_string(seen_after));
  EXPECT_TRUE(offline) << victim << " not offline within 2 x " << freq << " s + 1 s (+ "
                       << kObserveSlack.count() << " ms to observe it) of the SIGKILL";
  EXPECT_TRUE(survivor_online) << survivor << " must stay online throughout";
  EXPECT_TRUE(Online(Worker(Get("/workers/status?use_cache=false"), survivor)));

  // Its messages stay in `unacked` (nobody acks them until the visibility timeout), and the
  // queue status view counts them.
  const json unacked = json::parse(workers_->Ctl({"unacked"}).output, nullptr, false);
  ASSERT_TRUE(unacked.is_object());
  for (const auto& id : held) EXPECT_EQ(unacked.value(id, ""), kVictimQueue) << id;
  const json queues = Get("/queues/status?use_cache=false");
  ASSERT_TRUE(queues.is_object()) << queues.dump();
  EXPECT_EQ(queues["unacked_total"], unacked.size());
  EXPECT_GE(queues["unacked_total"].get<std::size_t>(), held.size());
  for (const auto& q : queues["queues"]) {
    if (q["name"] != kVictimQueue) continue;
    EXPECT_EQ(q["messages"], 1) << "the third task still waits in the list";
    EXPECT_EQ(q["consumers"], 0) << "its only consumer is dead";
  }
}

TEST_F(FaultWorkerTest, GarbageInspectRepliesAreCountedAndSkippedRealWorkersServed) {
  ASSERT_TRUE(BothOnline()) << daemon_->log();
  const std::optional<double> before = MalformedReplies();
  ASSERT_TRUE(before) << "no malformed-replies counter in /metrics";

  // A pidbox node (tests/celery_app/ctl.py fake-node) that answers every inspect request with
  // one undecodable reply and one reply of the wrong shape, besides the two real workers.
  testing::ChildProcess fake = workers_->StartFakeNode("fake@qm");
  ASSERT_TRUE(testing::Eventually(
      [&] {
        Get("/workers/status?use_cache=false");  // one inspect round: stats + active_queues
        const auto now = MalformedReplies();
        return now && *now >= *before + 4;  // 2 methods x 2 bad replies
      },
      20s, 100ms))
      << daemon_->log();

  const auto response = daemon_->Get(std::string(kApi) + "/workers/status?use_cache=false");
  ASSERT_EQ(Status(response), 200);
  EXPECT_EQ(XCache(response), "MISS");
  const json view = Json(response);
  ASSERT_EQ(view["workers"].size(), 2u) << "the fake node poisons nothing: " << view.dump();
  for (const auto& node : {workers_->Node(0), workers_->Node(1)}) {
    const json w = Worker(view, node);
    EXPECT_TRUE(Online(w)) << node;
    EXPECT_TRUE(w["pid"].is_number()) << node << " lost its inspect data: " << w.dump();
    EXPECT_FALSE(w["queues"].empty()) << node;
  }
  EXPECT_NE(daemon_->log().find("malformed worker replies"), std::string::npos);
  fake.Stop(2000ms);
}

}  // namespace
}  // namespace queuemon::e2e
