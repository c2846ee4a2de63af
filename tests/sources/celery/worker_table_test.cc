// WorkerTable: liveness from worker events with a ManualClock (no waiting). Decoding messages
// and counting malformed ones is the EventStream's (event_stream_test).
#include "sources/celery/worker_table.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace queuemon::sources::celery {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string Event(const std::string& type, const std::string& host = "w1@vm", double freq = 2.0) {
  return R"({"hostname": ")" + host + R"(", "utcoffset": 0, "pid": 7854, "clock": 2, "freq": )" +
         std::to_string(freq) +
         R"(, "active": 1, "processed": 5, "loadavg": [0.12, 0.18, 0.09], "sw_ident": "py-celery",
         "sw_ver": "5.2.6", "sw_sys": "Linux", "timestamp": 1795318353.7596037, "type": ")" +
         type + R"("})";
}

class WorkerTableTest : public ::testing::Test {
 protected:
  // Applies every event of `text` (one event object or a list); true if each was accepted.
  bool Apply(const std::string& text) {
    nlohmann::json doc = nlohmann::json::parse(text);
    if (!doc.is_array()) doc = nlohmann::json::array({doc});
    bool all = true;
    for (const auto& event : doc) all = table_.ApplyEvent(event) && all;
    return all;
  }

  base::ManualClock clock_;
  WorkerTable table_{clock_, milliseconds(60000)};
};

TEST_F(WorkerTableTest, HeartbeatMakesWorkerOnlineWithFields) {
  ASSERT_TRUE(Apply(Event("worker-heartbeat")));
  auto workers = table_.Workers();
  ASSERT_EQ(workers.size(), 1u);
  const WorkerInfo& w = workers[0];
  EXPECT_EQ(w.hostname, "w1@vm");
  EXPECT_EQ(w.status, "online");
  EXPECT_EQ(w.pid, 7854);
  EXPECT_EQ(w.active, 1);
  EXPECT_EQ(w.processed, 5);
  EXPECT_EQ(w.heartbeat_freq, 2.0);
  EXPECT_DOUBLE_EQ(*w.last_heartbeat, 1795318353.7596037);
  EXPECT_EQ(w.loadavg.size(), 3u);
  EXPECT_EQ(w.sw_ver, "5.2.6");
  EXPECT_EQ(table_.OnlineCount(), 1u);
}

TEST_F(WorkerTableTest, OfflineAfterTwiceFreqWithoutHeartbeat) {
  ASSERT_TRUE(Apply(Event("worker-online", "w1@vm", 1.5)));
  clock_.Advance(milliseconds(3000));  // exactly 2 x 1.5 s: still online
  EXPECT_EQ(table_.Workers().at(0).status, "online");
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(table_.Workers().at(0).status, "offline");
  EXPECT_EQ(table_.OnlineCount(), 0u);
  ASSERT_TRUE(Apply(Event("worker-heartbeat", "w1@vm", 1.5)));
  EXPECT_EQ(table_.Workers().at(0).status, "online");
}

TEST_F(WorkerTableTest, OfflineEventIsImmediate) {
  ASSERT_TRUE(Apply(Event("worker-online")));
  ASSERT_TRUE(Apply(Event("worker-offline")));
  EXPECT_EQ(table_.Workers().at(0).status, "offline");
}

TEST_F(WorkerTableTest, PurgedAfterPurgeOfflineAfter) {
  ASSERT_TRUE(Apply(Event("worker-heartbeat", "a@h")));
  ASSERT_TRUE(Apply(Event("worker-heartbeat", "b@h")));
  clock_.Advance(seconds(30));
  ASSERT_TRUE(Apply(Event("worker-heartbeat", "b@h")));
  clock_.Advance(seconds(31));  // a: 61 s since last event > 60 s; b: 31 s
  auto workers = table_.Workers();
  ASSERT_EQ(workers.size(), 1u);
  EXPECT_EQ(workers[0].hostname, "b@h");
  EXPECT_EQ(workers[0].status, "offline");
}

TEST_F(WorkerTableTest, TaskMultiListRefreshesKnownWorkerOnly) {
  ASSERT_TRUE(Apply(Event("worker-heartbeat")));
  clock_.Advance(seconds(3));
  ASSERT_TRUE(Apply(
      R"([{"hostname": "w1@vm", "uuid": "u", "type": "task-received", "timestamp": 1},
          {"hostname": "zz@vm", "uuid": "v", "type": "task-started", "timestamp": 2}])"));
  clock_.Advance(seconds(3));  // 3 s after the task event, 6 s after the heartbeat
  auto workers = table_.Workers();
  ASSERT_EQ(workers.size(), 1u);
  EXPECT_EQ(workers[0].status, "online");
}

TEST_F(WorkerTableTest, EventsWithoutHostnameOrTypeAreRefused) {
  EXPECT_FALSE(Apply("42"));
  EXPECT_FALSE(Apply(R"({"type": "worker-heartbeat"})"));  // no hostname
  EXPECT_FALSE(Apply(R"({"hostname": 5, "type": "worker-heartbeat"})"));
  EXPECT_FALSE(Apply(R"({"hostname": "w@h", "type": 1})"));
  EXPECT_TRUE(table_.Workers().empty());
}

TEST_F(WorkerTableTest, OddFieldValuesDoNotCrash) {
  ASSERT_TRUE(Apply(
      R"({"hostname": "w@h", "type": "worker-heartbeat", "pid": 1e300, "freq": -1,
          "loadavg": "high", "active": "x"})"));
  auto w = table_.Workers().at(0);
  EXPECT_FALSE(w.pid);
  EXPECT_FALSE(w.heartbeat_freq);  // non-positive freq ignored; default 2 s applies
  EXPECT_EQ(w.status, "online");
}

TEST_F(WorkerTableTest, LivenessTransitionsAreReportedOnce) {
  using L = WorkerTable::Liveness;
  const auto apply = [&](const std::string& text) {
    return table_.ApplyEvent(nlohmann::json::parse(text));
  };
  EXPECT_EQ(apply(Event("worker-heartbeat")), L::kUnchanged);  // first seen: not a comeback
  EXPECT_EQ(apply(Event("worker-heartbeat")), L::kUnchanged);
  EXPECT_EQ(apply(Event("worker-online")), L::kUnchanged);
  EXPECT_EQ(apply(Event("worker-offline")), L::kWentOffline);
  EXPECT_EQ(apply(Event("worker-offline")), L::kUnchanged);
  EXPECT_TRUE(table_.TakeExpired().empty());  // offline by its event: reported already
  EXPECT_EQ(apply(Event("worker-online")), L::kCameOnline);
  EXPECT_EQ(apply(R"({"hostname": "w1@vm", "type": "task-started", "uuid": "u"})"), L::kUnchanged);
  EXPECT_EQ(apply(R"({"hostname": "nobody@vm", "type": "task-started", "uuid": "u"})"),
            L::kUnchanged);  // task events never add a worker
  EXPECT_FALSE(apply(R"({"type": "worker-online"})").has_value());
}

TEST_F(WorkerTableTest, TakeExpiredReportsASilentWorkerOnceUntilItComesBack) {
  ASSERT_TRUE(Apply(Event("worker-heartbeat", "a@h", 1.0)));
  ASSERT_TRUE(Apply(Event("worker-heartbeat", "b@h", 5.0)));
  clock_.Advance(milliseconds(2000));  // exactly 2 x a's freq: still online
  EXPECT_TRUE(table_.TakeExpired().empty());
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(table_.TakeExpired(), std::vector<std::string>{"a@h"});
  EXPECT_TRUE(table_.TakeExpired().empty());
  // A task event from the silent worker brings it back; it can expire again.
  EXPECT_EQ(table_.ApplyEvent(nlohmann::json::parse(
                R"({"hostname": "a@h", "type": "task-succeeded", "uuid": "u"})")),
            WorkerTable::Liveness::kCameOnline);
  clock_.Advance(milliseconds(8000));
  EXPECT_EQ(table_.TakeExpired(), (std::vector<std::string>{"a@h", "b@h"}));
}

}  // namespace
}  // namespace queuemon::sources::celery
