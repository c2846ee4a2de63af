// RedisConnection and RedisSubscriber report to a shared BrokerLinkMonitor (real redis-server):
// a killed server shows up as lost links and failed dials with a retry delay, the restart as
// reconnects and, once a command is answered, as "up" with the delay cleared. A lost event
// subscription alone goes down and comes back up (by its resubscription, or by any later command
// reply). A connect is not an answer: a blackholed server shows up as links lost at the command
// deadline and a full server's "-ERR max number of clients" as lost links, never as "up" or as
// news for other links. One link answering ends the others' backoff.
#include <gtest/gtest.h>

#include "redis/link_monitor.h"
#include "redis/errors.h"
#include "redis/connection.h"
#include "tests/testing/blackhole_listener.h"
#include "tests/testing/eventually.h"
#include "tests/testing/fast_redis_options.h"
#include "tests/testing/io_context_threads.h"
#include "tests/testing/redis_server.h"

namespace queuemon::redis {
namespace {

using namespace std::chrono_literals;
using queuemon::testing::Eventually;
using queuemon::testing::IoContextThreads;
using queuemon::testing::RedisServer;

RedisOptions MonitoredOptions(const std::string& url) {
  RedisOptions options = testing::FastRedisOptions(url);
  options.command_timeout = 200ms;
  options.monitor = std::make_shared<BrokerLinkMonitor>("test", url);
  return options;
}

TEST(RedisLinkMonitorTest, KillAndRestartAreCountedAndTheBackoffClears) {
  RedisServer redis;
  IoContextThreads io;
  const RedisOptions options = MonitoredOptions(redis.url());
  RedisConnection commands(io.executor(), options);
  RedisSubscriber subscriber(io.executor(), options, {"ch*"}, {});
  subscriber.Start();
  ASSERT_TRUE(io.Await(commands.Command({"PING"})));
  ASSERT_TRUE(Eventually([&] { return subscriber.connected(); }));
  EXPECT_FALSE(options.monitor->Stats().down);
  EXPECT_EQ(options.monitor->Stats().reconnects, 0u);

  redis.Kill();
  // Both links lose their connection; the subscriber's redials fail with a delay.
  ASSERT_TRUE(Eventually([&] {
    const BrokerLinkStats s = options.monitor->Stats();
    return s.disconnects >= 2 && s.connect_failures >= 1 && s.backoff_seconds > 0;
  })) << options.monitor->Stats().disconnects;
  EXPECT_TRUE(options.monitor->Stats().down);

  redis.Restart();
  ASSERT_TRUE(Eventually([&] { return io.Await(commands.Command({"PING"})).has_value(); }));
  ASSERT_TRUE(Eventually([&] { return subscriber.connected(); }));
  const BrokerLinkStats after = options.monitor->Stats();
  EXPECT_GE(after.reconnects, 2u);  // the command link and the subscription
  EXPECT_FALSE(after.down);
  EXPECT_EQ(after.backoff_seconds, 0);
  subscriber.Stop();
  commands.Close();
}

TEST(RedisLinkMonitorTest, BlackholedBrokerLosesLinksAtTheDeadline) {
  queuemon::testing::BlackholeListener blackhole;
  IoContextThreads io;
  const RedisOptions options = MonitoredOptions(blackhole.url());
  RedisConnection commands(io.executor(), options);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(io.Await(commands.Command({"PING"}), 10s));
  const BrokerLinkStats s = options.monitor->Stats();
  EXPECT_EQ(s.disconnects, 3u);  // each timed-out command dropped its link...
  EXPECT_EQ(commands.Stats().connects, 3u);  // ...and the next one dialled again,
  EXPECT_EQ(s.reconnects, 0u);  // but a connect into the backlog is not the broker back
  EXPECT_EQ(options.monitor->answered_links(), 0u);  // nor news for links in backoff
  EXPECT_EQ(s.connect_failures, 0u);
  EXPECT_TRUE(s.down);
  commands.Close();
}

// A server at maxclients accepts, writes "-ERR max number of clients reached" and closes: every
// attempt loses its link, and none counts as the broker answering.
TEST(RedisLinkMonitorTest, AFullServersErrorGreetingIsNotAnAnswer) {
  queuemon::testing::RedisServerOptions full_server;
  full_server.extra_args = {"--maxclients", "1"};
  RedisServer redis(full_server);
  IoContextThreads io;
  RedisOptions plain;
  plain.url = redis.url();
  RedisConnection holder(io.executor(), plain);  // takes the one slot
  ASSERT_TRUE(Eventually([&] {
    auto pong = io.Await(holder.Command({"PING"}));
    return pong && !pong->is_error();
  }));
  const RedisOptions options = MonitoredOptions(redis.url());
  RedisConnection full(io.executor(), options);
  for (int i = 0; i < 3; ++i) {
    auto reply = io.Await(full.Command({"PING"}), 10s);
    EXPECT_TRUE(!reply || reply->is_error()) << reply->str;
    const auto lost = static_cast<std::uint64_t>(i) + 1;
    ASSERT_TRUE(Eventually([&] { return options.monitor->Stats().disconnects >= lost; }));
  }
  const BrokerLinkStats s = options.monitor->Stats();
  EXPECT_TRUE(s.down);
  EXPECT_EQ(s.reconnects, 0u);
  EXPECT_EQ(options.monitor->answered_links(), 0u);
  full.Close();
  holder.Close();
}

// Only the event subscription drops (the command link is fine): the monitor goes down, and the
// resubscription brings it back up with the backoff gauge at 0.
TEST(RedisLinkMonitorTest, ALostSubscriptionAloneGoesDownAndComesBackUp) {
  RedisServer redis;
  IoContextThreads io;
  const RedisOptions options = MonitoredOptions(redis.url());
  RedisOptions plain;  // the test's own link: its replies must not end the down state
  plain.url = redis.url();
  RedisConnection admin(io.executor(), plain);
  RedisSubscriber subscriber(io.executor(), options, {"ch*"}, {});
  subscriber.Start();
  ASSERT_TRUE(Eventually([&] { return subscriber.connected(); }));
  const BrokerLinkStats before = options.monitor->Stats();
  ASSERT_FALSE(before.down);

  auto killed = io.Await(admin.Command({"CLIENT", "KILL", "TYPE", "pubsub"}));
  ASSERT_TRUE(killed && !killed->is_error());
  EXPECT_EQ(killed->integer, 1);
  ASSERT_TRUE(Eventually([&] {
    const BrokerLinkStats s = options.monitor->Stats();
    return s.disconnects > before.disconnects && s.reconnects > before.reconnects && !s.down &&
           s.backoff_seconds == 0 && subscriber.connected();
  })) << "down " << options.monitor->Stats().down << ", backoff "
      << options.monitor->Stats().backoff_seconds;
  subscriber.Stop();
  admin.Close();
}

// The same loss while the subscriber waits out a long backoff: the command link, which never
// lost its connection, answers the next call, and that reply (not only a link's first) ends the
// down state. It is no news for links in backoff: the subscriber keeps waiting.
TEST(RedisLinkMonitorTest, AnyCommandReplyEndsTheDownStateOfALostSubscription) {
  RedisServer redis;
  IoContextThreads io;
  RedisOptions options = MonitoredOptions(redis.url());
  RedisOptions plain;
  plain.url = redis.url();
  RedisConnection admin(io.executor(), plain);
  RedisConnection commands(io.executor(), options);
  options.backoff_initial = 60s;
  options.backoff_max = 60s;
  ASSERT_TRUE(io.Await(commands.Command({"PING"})));  // first: its answer is old news below
  RedisSubscriber subscriber(io.executor(), options, {"ch*"}, {});
  subscriber.Start();
  ASSERT_TRUE(Eventually([&] { return subscriber.connected(); }));
  const std::uint64_t answered = options.monitor->answered_links();

  auto killed = io.Await(admin.Command({"CLIENT", "KILL", "TYPE", "pubsub"}));
  ASSERT_TRUE(killed && !killed->is_error());
  ASSERT_TRUE(Eventually([&] {
    const BrokerLinkStats s = options.monitor->Stats();
    return s.down && s.backoff_seconds > 0;
  }));
  auto pong = io.Await(commands.Command({"PING"}));
  ASSERT_TRUE(pong && !pong->is_error());
  const BrokerLinkStats after = options.monitor->Stats();
  EXPECT_FALSE(after.down);
  EXPECT_EQ(after.backoff_seconds, 0);
  EXPECT_EQ(options.monitor->answered_links(), answered);
  EXPECT_FALSE(subscriber.connected());
  subscriber.Stop();
  commands.Close();
  admin.Close();
}

// After a long outage every link's backoff is at its cap. Here the cap is a minute (the delay is
// at least 30 s with jitter), far beyond the 10 s the test waits: only the shared monitor can end
// it. Once one link answers, the others' backoff is over: a command link's next call
// dials at once and answers, and the subscriber resubscribes.
TEST(RedisLinkMonitorTest, OneLinkBackEndsTheOtherLinksBackoff) {
  RedisServer redis;
  IoContextThreads io(2);
  RedisOptions options = MonitoredOptions(redis.url());
  options.backoff_initial = 60s;
  options.backoff_max = 60s;
  RedisConnection first(io.executor(), options);
  RedisConnection second(io.executor(), options);
  RedisSubscriber subscriber(io.executor(), options, {"ch*"}, {});
  subscriber.Start();
  ASSERT_TRUE(Eventually([&] { return subscriber.connected(); }));
  ASSERT_TRUE(io.Await(first.Command({"SET", "k", "old"})));

  redis.Kill();
  // Each command link's dial fails once and starts its backoff.
  for (RedisConnection* link : {&first, &second}) {
    ASSERT_TRUE(Eventually([&] {
      return !io.Await(link->Command({"GET", "k"})) && link->Stats().connect_failures >= 1;
    }));
  }
  redis.Restart();
  // Nothing has dialled since: the backoff holds, the call fails at once.
  auto held_back = io.Await(second.Command({"GET", "k"}));
  ASSERT_FALSE(held_back);
  EXPECT_EQ(held_back.error(), MakeErrorCode(Errc::kUnavailable));

  RedisConnection third(io.executor(), options);  // e.g. a link whose backoff ended first
  ASSERT_TRUE(io.Await(third.Command({"SET", "k", "new"})));
  for (RedisConnection* link : {&first, &second}) {
    auto fresh = io.Await(link->Command({"GET", "k"}));  // the very next call dials
    ASSERT_TRUE(fresh) << fresh.error().message();
    EXPECT_EQ(fresh->str, "new");
  }
  EXPECT_TRUE(Eventually([&] { return subscriber.connected(); }))
      << "the subscriber's backoff timer should have been cut short";
  subscriber.Stop();
  for (RedisConnection* link : {&first, &second, &third}) link->Close();
}

}  // namespace
}  // namespace queuemon::redis
