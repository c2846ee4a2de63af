// EventStream over the twenty messages captured from a real Celery 5.2.6 worker and client
// (tests/data/celery-events-captured.txt, the kombu envelopes as PUBLISHed): every event is
// counted, worker events reach the worker table, task events the task table and the metrics;
// malformed messages and subscription resets are counted.
#include "sources/celery/event_stream.h"
#include "sources/celery/pidbox_codec.h"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace queuemon::sources::celery {
namespace {

std::vector<std::string> CapturedPayloads() {
  std::ifstream in(std::string(QUEUEMON_SOURCE_DIR) + "/tests/data/celery-events-captured.txt");
  std::vector<std::string> payloads;
  for (std::string line; std::getline(in, line);) {
    payloads.push_back(nlohmann::json::parse(line).at("data").get<std::string>());
  }
  return payloads;
}

class EventStreamTest : public ::testing::Test {
 protected:
  base::ManualClock clock_;
  EventStream stream_{clock_, TaskEventsOptions{}, std::chrono::minutes(10), 1 << 20};
};

TEST_F(EventStreamTest, TheCapturedMessagesFeedEveryTable) {
  const std::vector<std::string> payloads = CapturedPayloads();
  ASSERT_EQ(payloads.size(), 20u);
  for (const std::string& payload : payloads) stream_.OnMessage(payload);
  const EventCounts counts = stream_.counts();
  EXPECT_EQ(counts.received, 20u) << "6 worker events + 14 task events, one per message here";
  EXPECT_EQ(counts.malformed, 0u);
  const auto workers = stream_.workers().Workers();
  ASSERT_EQ(workers.size(), 1u);
  EXPECT_EQ(workers[0].hostname, "w1@evbench");
  EXPECT_EQ(stream_.tasks().size(), 4u);
  const auto failed = stream_.tasks().Find("91d4349a-0198-4344-a070-79c5959dcf3a");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->state, "FAILURE");
  EXPECT_EQ(failed->name, "evapp.fail");
  EXPECT_EQ(failed->queue, "celery");
  std::string text;
  for (const MetricFamily& f : *stream_.metrics().Families()) text += f.samples;
  EXPECT_NE(text.find(R"(celery_task_succeeded_total{source="",name="evapp.add",hostname="evbench",queue_name="celery"} 2)"),
            std::string::npos) << text;
  EXPECT_NE(text.find(R"(celery_task_failed_total{source="",name="evapp.fail",hostname="evbench",queue_name="celery",exception="ValueError"} 1)"),
            std::string::npos) << text;
  EXPECT_NE(text.find(R"(celery_task_sent_total{source="",name="evapp.add",hostname="vm",queue_name="celery"} 2)"),
            std::string::npos) << text;
}

TEST_F(EventStreamTest, ABatchCountsEachEventAndMalformedInputIsCountedNotApplied) {
  const std::string batch = R"([{"hostname": "w@h", "uuid": "a", "name": "t", "type": "task-received"},
                                {"hostname": "w@h", "uuid": "a", "type": "task-started"},
                                {"no hostname": 1, "type": "task-started"}])";
  const std::string envelope =
      nlohmann::json{{"body", batch}, {"properties", {{"body_encoding", "utf-8"}}}}.dump();
  stream_.OnMessage(envelope);
  stream_.OnMessage("not json");
  stream_.OnMessage(R"({"body": "%%%", "properties": {"body_encoding": "base64"}})");
  const EventCounts counts = stream_.counts();
  EXPECT_EQ(counts.received, 3u);
  EXPECT_EQ(counts.malformed, 3u);
  EXPECT_EQ(stream_.tasks().Find("a")->state, "STARTED");
}

TEST_F(EventStreamTest, AMessageLargerThanTheLimitIsMalformed) {
  EventStream small(clock_, TaskEventsOptions{}, std::chrono::minutes(10), 64);
  small.OnMessage(CapturedPayloads().at(0));  // a heartbeat envelope of several hundred bytes
  EXPECT_EQ(small.counts().malformed, 1u);
  EXPECT_EQ(small.counts().received, 0u);
  EXPECT_TRUE(small.workers().Workers().empty());
}

// AMQP carries the event (or the batch) as the bare message body, no kombu envelope.
TEST_F(EventStreamTest, BareBodiesAsAmqpDeliversThem) {
  for (const std::string& payload : CapturedPayloads()) {
    const auto envelope = nlohmann::json::parse(payload);
    auto body = DecodeEnvelopeBody(payload, 1 << 20);
    ASSERT_TRUE(body) << envelope.dump();
    stream_.OnBody(*body);
  }
  EXPECT_EQ(stream_.counts().received, 20u);
  EXPECT_EQ(stream_.counts().malformed, 0u);
  EXPECT_EQ(stream_.tasks().size(), 4u);
  stream_.OnBody(R"([{"hostname": "w@h", "uuid": "b", "name": "t", "type": "task-received"}, 3])");
  stream_.OnBody("");
  stream_.OnBody("\"a string\"");
  EventStream small(clock_, TaskEventsOptions{}, std::chrono::minutes(10), 16);
  small.OnBody(R"({"hostname": "w@h", "type": "worker-heartbeat"})");
  EXPECT_EQ(stream_.counts().received, 22u);
  EXPECT_EQ(stream_.counts().malformed, 3u);  // the batch's 3, the empty body, the string
  EXPECT_EQ(small.counts().malformed, 1u);    // larger than its limit
  EXPECT_EQ(stream_.tasks().Find("b")->state, "RECEIVED");
}

TEST_F(EventStreamTest, OnlyALostEstablishedSubscriptionCountsAsAReset) {
  stream_.OnSubscription(false);  // never up yet: a failed first connect
  stream_.OnSubscription(true);
  stream_.OnSubscription(false);
  stream_.OnSubscription(false);
  stream_.OnSubscription(true);
  stream_.OnSubscription(false);
  EXPECT_EQ(stream_.counts().subscription_resets, 2u);
}

// What the stream reports to its change listener (the caches' event-driven control).
class EventStreamChangesTest : public EventStreamTest {
 protected:
  EventStreamChangesTest() {
    stream_.SetChangeListener([this](const StateChange& change) {
      // Each change is seen after the tables took the event in.
      changes_.push_back(std::string(kChangeNames[change.change]) + " " +
                         std::string(change.hostname) + " " + std::string(change.task_id));
      if (change.task_id == "b") b_state_at_change_ = stream_.tasks().Find("b")->state;
    });
  }
  void Send(const std::string& events) {
    stream_.OnMessage(
        nlohmann::json{{"body", events}, {"properties", {{"body_encoding", "utf-8"}}}}.dump());
  }

  std::vector<std::string> changes_;
  std::string b_state_at_change_;
};

TEST_F(EventStreamChangesTest, EveryEventIsReportedAfterTheTablesTookItIn) {
  Send(R"([{"hostname": "w@h", "type": "worker-online", "freq": 2},
           {"hostname": "w@h", "uuid": "b", "name": "t", "type": "task-received"},
           {"hostname": "w@h", "uuid": "b", "type": "task-succeeded", "result": "1"},
           {"hostname": "w@h", "type": "worker-heartbeat", "freq": 2},
           {"hostname": "w@h", "type": "task-bogus", "uuid": "c"},
           {"no hostname": 1, "type": "task-started"},
           {"hostname": "w@h", "type": "worker-offline"}])");
  EXPECT_EQ(changes_, (std::vector<std::string>{
                          "worker-online w@h ", "task-received w@h b", "task-succeeded w@h b",
                          "worker-heartbeat w@h ", "worker-offline w@h "}));
  EXPECT_EQ(b_state_at_change_, "SUCCESS");
}

TEST_F(EventStreamChangesTest, AWorkerBackByAHeartbeatAfterExpiringIsReportedOnlineToo) {
  Send(R"({"hostname": "w@h", "type": "worker-heartbeat", "freq": 1})");
  clock_.Advance(std::chrono::milliseconds(2001));
  stream_.CheckExpired();
  stream_.CheckExpired();
  Send(R"({"hostname": "w@h", "type": "worker-heartbeat", "freq": 1})");
  EXPECT_EQ(changes_, (std::vector<std::string>{
                          "worker-heartbeat w@h ", "worker-expired w@h ", "worker-heartbeat w@h ",
                          "worker-online w@h "}));
}

}  // namespace
}  // namespace queuemon::sources::celery
