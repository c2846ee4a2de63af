#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "redis/connection.h"
#include "tests/testing/fast_redis_options.h"
#include "tests/testing/io_context_threads.h"
#include "tests/testing/redis_server.h"

namespace queuemon::redis {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using queuemon::testing::FastRedisOptions;
using queuemon::testing::IoContextThreads;
using queuemon::testing::RedisServer;

// What the subscriber's handlers saw, for the test thread to wait on.
class Inbox final {
 public:
  void Add(std::string_view channel, std::string_view payload) {
    std::lock_guard lock(mu_);
    messages_.emplace_back(channel, payload);
    cv_.notify_all();
  }
  void State(bool connected) {
    std::lock_guard lock(mu_);
    states_.push_back(connected);
    cv_.notify_all();
  }
  // Waits until `count` state changes were reported or the limit passes.
  bool WaitForStates(std::size_t count, std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return states_.size() >= count; });
  }
  // Waits until `count` messages arrived or the limit passes.
  bool WaitFor(std::size_t count, std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return messages_.size() >= count; });
  }
  std::vector<std::pair<std::string, std::string>> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  std::vector<bool> states() {
    std::lock_guard lock(mu_);
    return states_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, std::string>> messages_;
  std::vector<bool> states_;
};

// PUBLISHes until `receivers` subscribers got it (PUBLISH counts them), or the limit passes.
// Returns whether that happened: a subscription is live when a publish reaches it.
bool PublishUntilReceived(IoContextThreads& io, RedisConnection& publisher,
                          const std::string& channel, const std::string& payload,
                          std::int64_t receivers = 1, std::chrono::milliseconds limit = 10s) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    auto reply = io.Await(publisher.Command({"PUBLISH", channel, payload}));
    if (reply && reply->integer == receivers) return true;
    std::this_thread::sleep_for(10ms);  // poll interval, bounded by the deadline
  }
  return false;
}

// PUBLISHes until the subscriber's inbox holds `count` messages, or the limit passes. Stronger
// than PublishUntilReceived after a reconnect: a connection the subscriber already abandoned may
// still be subscribed on the server for a moment and count as a receiver.
bool PublishUntilDelivered(IoContextThreads& io, RedisConnection& publisher, Inbox& inbox,
                           const std::string& channel, const std::string& payload,
                           std::size_t count, std::chrono::milliseconds limit = 10s) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (!io.Await(publisher.Command({"PUBLISH", channel, payload}))) return false;
    if (inbox.WaitFor(count, 20ms)) return true;  // poll interval, bounded by the deadline
  }
  return false;
}

class RedisSubscriberTest : public ::testing::Test {
 protected:
  RedisServer redis_;
  Inbox inbox_;
  IoContextThreads io_{2};
};

TEST_F(RedisSubscriberTest, DeliversPatternMessages) {
  RedisSubscriber subscriber(
      io_.executor(), FastRedisOptions(redis_.url(2)), {"celeryev.*", "other"},
      [this](std::string_view c, std::string_view p) { inbox_.Add(c, p); },
      [this](bool connected) { inbox_.State(connected); });
  subscriber.Start();
  RedisConnection publisher(io_.executor(), FastRedisOptions(redis_.url()));
  const std::string payload("{\"type\": \"worker-heartbeat\"}\0\r\n", 32);
  ASSERT_TRUE(PublishUntilReceived(io_, publisher, "celeryev.abc", payload));
  ASSERT_TRUE(inbox_.WaitFor(1));
  ASSERT_TRUE(io_.Await(publisher.Command({"PUBLISH", "unrelated", "x"})));
  ASSERT_TRUE(io_.Await(publisher.Command({"PUBLISH", "other", "y"})));
  ASSERT_TRUE(inbox_.WaitFor(2));
  const auto messages = inbox_.messages();
  EXPECT_EQ(messages.front().first, "celeryev.abc");
  EXPECT_EQ(messages.front().second, payload);
  EXPECT_EQ(messages.back().first, "other");  // "unrelated" matched no pattern
  EXPECT_EQ(messages.back().second, "y");
  EXPECT_TRUE(subscriber.connected());
  subscriber.Stop();
}

TEST_F(RedisSubscriberTest, ResubscribesAfterRestart) {
  RedisSubscriber subscriber(
      io_.executor(), FastRedisOptions(redis_.url()), {"ev.*"},
      [this](std::string_view c, std::string_view p) { inbox_.Add(c, p); },
      [this](bool connected) { inbox_.State(connected); });
  subscriber.Start();
  RedisConnection publisher(io_.executor(), FastRedisOptions(redis_.url()));
  ASSERT_TRUE(PublishUntilReceived(io_, publisher, "ev.1", "before"));
  ASSERT_TRUE(inbox_.WaitFor(1));

  redis_.Kill();
  redis_.Restart();
  ASSERT_TRUE(PublishUntilDelivered(io_, publisher, inbox_, "ev.2", "after", 2));
  EXPECT_EQ(inbox_.messages().back().second, "after");
  const auto states = inbox_.states();
  ASSERT_GE(states.size(), 3u);  // up, down, up again
  EXPECT_EQ(states[0], true);
  EXPECT_EQ(states[1], false);
  EXPECT_EQ(states.back(), true);
  subscriber.Stop();
}

TEST_F(RedisSubscriberTest, NoticesAFrozenBrokerAndRecovers) {
  auto options = FastRedisOptions(redis_.url());
  options.command_timeout = 100ms;  // the silence detector's interval
  RedisSubscriber subscriber(
      io_.executor(), options, {"ev.*"},
      [this](std::string_view c, std::string_view p) { inbox_.Add(c, p); },
      [this](bool connected) { inbox_.State(connected); });
  subscriber.Start();
  RedisConnection publisher(io_.executor(), FastRedisOptions(redis_.url()));
  ASSERT_TRUE(PublishUntilReceived(io_, publisher, "ev.1", "before"));
  ASSERT_TRUE(inbox_.WaitFor(1));  // delivered, so the subscription is confirmed too
  redis_.Pause();
  const bool noticed = inbox_.WaitForStates(2);  // up, then down while frozen
  redis_.Resume();
  ASSERT_TRUE(noticed);
  EXPECT_EQ(inbox_.states()[1], false);
  ASSERT_TRUE(PublishUntilDelivered(io_, publisher, inbox_, "ev.2", "after", 2));
  EXPECT_EQ(inbox_.messages().back().second, "after");
  subscriber.Stop();
}

TEST_F(RedisSubscriberTest, StopIsIdempotentAndUnsubscribes) {
  RedisSubscriber subscriber(io_.executor(), FastRedisOptions(redis_.url()), {"ev.*"},
                             [this](std::string_view c, std::string_view p) { inbox_.Add(c, p); });
  subscriber.Start();
  subscriber.Start();  // a second Start is ignored
  RedisConnection publisher(io_.executor(), FastRedisOptions(redis_.url()));
  ASSERT_TRUE(PublishUntilReceived(io_, publisher, "ev.1", "x"));
  ASSERT_TRUE(inbox_.WaitFor(1));  // delivered, so the subscription is confirmed: connected
  ASSERT_TRUE(subscriber.connected());
  subscriber.Stop();
  // The promise (connection.h): false as soon as Stop() returns, before the strand has
  // closed the link. (Reading it only after the broker saw the close raced with the strand.)
  EXPECT_FALSE(subscriber.connected());
  subscriber.Stop();
  ASSERT_TRUE(PublishUntilReceived(io_, publisher, "ev.1", "y", /*receivers=*/0));
  EXPECT_FALSE(subscriber.connected());
  EXPECT_EQ(inbox_.messages().size(), 1u);  // "y" found no subscriber
}

}  // namespace
}  // namespace queuemon::redis
