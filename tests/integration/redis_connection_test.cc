#include "redis/connection.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>

#include "redis/errors.h"
#include "tests/testing/blackhole_listener.h"
#include "tests/testing/free_port.h"
#include "tests/testing/fast_redis_options.h"
#include "tests/testing/io_context_threads.h"
#include "tests/testing/redis_server.h"

namespace queuemon::redis {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using queuemon::testing::FastRedisOptions;
using queuemon::testing::IoContextThreads;
using queuemon::testing::RedisServer;
using Type = RedisReply::Type;

// Polls `connection` with PING until it answers PONG or `limit` passes.
bool EventuallyPongs(IoContextThreads& io, RedisConnection& connection,
                     std::chrono::milliseconds limit = 10s) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    auto reply = io.Await(connection.Command({"PING"}));
    if (reply && reply->str == "PONG") return true;
    std::this_thread::sleep_for(10ms);  // poll interval, bounded by the deadline
  }
  return false;
}

class RedisConnectionTest : public ::testing::Test {
 protected:
  RedisServer redis_;
  IoContextThreads io_;
};

TEST_F(RedisConnectionTest, CommandsOfEveryReplyType) {
  RedisConnection redis(io_.executor(), FastRedisOptions(redis_.url()));
  auto status = io_.Await(redis.Command({"SET", "k", "v"}));
  ASSERT_TRUE(status) << status.error().message();
  EXPECT_EQ(status->type, Type::kStatus);
  EXPECT_EQ(status->str, "OK");
  auto bulk = io_.Await(redis.Command({"GET", "k"}));
  EXPECT_EQ(bulk->type, Type::kString);
  EXPECT_EQ(bulk->str, "v");
  EXPECT_TRUE(io_.Await(redis.Command({"GET", "missing"}))->is_nil());
  auto integer = io_.Await(redis.Command({"INCRBY", "n", "41"}));
  EXPECT_EQ(integer->type, Type::kInteger);
  EXPECT_EQ(integer->integer, 41);
  ASSERT_TRUE(io_.Await(redis.Command({"RPUSH", "l", "a", "b"})));
  auto array = io_.Await(redis.Command({"LRANGE", "l", "0", "-1"}));
  ASSERT_EQ(array->type, Type::kArray);
  ASSERT_EQ(array->elements.size(), 2u);
  EXPECT_EQ(array->elements[1].str, "b");
  auto error = io_.Await(redis.Command({"LLEN", "k"}));  // WRONGTYPE: a reply, not a failure
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->is_error());
  EXPECT_NE(error->str.find("WRONGTYPE"), std::string::npos);
  EXPECT_TRUE(redis.connected());
  EXPECT_EQ(redis.Stats().connects, 1u);
  EXPECT_EQ(redis.Stats().commands, 7u);
}

TEST_F(RedisConnectionTest, ArgumentsAreBinarySafe) {
  RedisConnection redis(io_.executor(), FastRedisOptions(redis_.url()));
  const std::string queue(
      "celery\x06\x16"
      "3",
      10);
  const std::string payload("a\0b\r\n*1\r\n$", 10);
  ASSERT_TRUE(io_.Await(redis.Command({"RPUSH", queue, payload})));
  EXPECT_EQ(io_.Await(redis.Command({"LLEN", queue}))->integer, 1);
  EXPECT_EQ(io_.Await(redis.Command({"LLEN", "celery"}))->integer, 0);
  EXPECT_EQ(io_.Await(redis.Command({"LINDEX", queue, "0"}))->str, payload);
}

TEST_F(RedisConnectionTest, PipelineRepliesComeInOrder) {
  RedisConnection redis(io_.executor(), FastRedisOptions(redis_.url()));
  std::vector<RedisCommand> commands;
  for (int i = 0; i < 200; ++i) commands.push_back({"INCR", "counter"});
  commands.push_back({"NOSUCHCOMMAND"});
  commands.push_back({"GET", "counter"});
  auto replies = io_.Await(redis.Pipeline(commands));
  ASSERT_TRUE(replies) << replies.error().message();
  ASSERT_EQ(replies->size(), 202u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ((*replies)[i].integer, i + 1);
  EXPECT_TRUE((*replies)[200].is_error());
  EXPECT_EQ((*replies)[201].str, "200");
  auto empty = io_.Await(redis.Pipeline({}));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST_F(RedisConnectionTest, RejectsEmptyCommands) {
  RedisConnection redis(io_.executor(), FastRedisOptions(redis_.url()));
  EXPECT_EQ(io_.Await(redis.Command({})).error(), Errc::kInvalidArgument);
  EXPECT_EQ(io_.Await(redis.Pipeline({{"PING"}, {}})).error(), Errc::kInvalidArgument);
}

// One caller of the concurrency test: returns how many of its rounds saw a wrong reply.
asio::awaitable<int> IncrementRounds(RedisConnection& redis, std::string key, int rounds) {
  // Commands are built outside co_await expressions (g++ 12 miscompiles braced lists there).
  const std::vector<RedisCommand> pipeline = {{"INCR", key}, {"GET", key}};
  const RedisCommand total = {"INCR", "total"};
  int mismatches = 0;
  for (int r = 1; r <= rounds; ++r) {
    auto pipe = co_await redis.Pipeline(pipeline);
    auto one = co_await redis.Command(total);
    if (!pipe || !one || (*pipe)[0].integer != r || (*pipe)[1].str != std::to_string(r)) {
      ++mismatches;
    }
  }
  co_return mismatches;
}

TEST(RedisConnectionConcurrencyTest, ManyCoroutinesOnTwoThreadsShareOneConnection) {
  RedisServer server;
  IoContextThreads io(2);
  RedisConnection redis(io.executor(), FastRedisOptions(server.url()));
  constexpr int kCallers = 64;
  constexpr int kRounds = 20;
  std::vector<std::future<int>> results;
  for (int c = 0; c < kCallers; ++c) {
    results.push_back(asio::co_spawn(io.context(),
                                     IncrementRounds(redis, "key" + std::to_string(c), kRounds),
                                     asio::use_future));
  }
  for (auto& result : results) {
    ASSERT_EQ(result.wait_for(30s), std::future_status::ready);
    EXPECT_EQ(result.get(), 0);
  }
  EXPECT_EQ(io.Await(redis.Command({"GET", "total"}))->str, std::to_string(kCallers * kRounds));
  EXPECT_EQ(redis.Stats().connects, 1u);
}

// A caller that keeps calling until told to stop; returns how many calls came back at all.
asio::awaitable<int> CallUntil(RedisConnection& redis, const std::atomic<bool>& stop) {
  const RedisCommand incr = {"INCR", "churn"};
  int returned = 0;
  while (!stop) {
    auto reply = co_await redis.Command(incr, Clock::now() + 500ms);
    ++returned;    // success or error: either way the call returned
    if (!reply) {  // back off a little so a down broker is not spun on
      asio::steady_timer pause(co_await asio::this_coro::executor, 5ms);
      co_await pause.async_wait(asio::use_awaitable);
    }
  }
  co_return returned;
}

TEST(RedisConnectionChurnTest, CallersSurviveTheBrokerGoingAwayAndComingBack) {
  RedisServer server;
  IoContextThreads io(2);
  RedisConnection redis(io.executor(), FastRedisOptions(server.url()));
  std::atomic<bool> stop{false};
  std::vector<std::future<int>> callers;
  for (int i = 0; i < 16; ++i) {
    callers.push_back(asio::co_spawn(io.context(), CallUntil(redis, stop), asio::use_future));
  }
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(EventuallyPongs(io, redis));
    server.Kill();
    server.Restart();
  }
  stop = true;
  for (auto& caller : callers) {
    ASSERT_EQ(caller.wait_for(10s), std::future_status::ready);
    EXPECT_GT(caller.get(), 0);
  }
  EXPECT_TRUE(EventuallyPongs(io, redis));
}

TEST(RedisConnectionAuthTest, PasswordFromTheUrl) {
  queuemon::testing::RedisServerOptions secured;
  secured.requirepass = "p@ss:w/rd";
  RedisServer server(secured);
  IoContextThreads io;
  RedisConnection good(io.executor(), FastRedisOptions(server.url_with_auth("", "p@ss:w/rd")));
  auto pong = io.Await(good.Command({"PING"}));
  ASSERT_TRUE(pong) << pong.error().message();
  EXPECT_EQ(pong->str, "PONG");

  RedisConnection wrong(io.executor(), FastRedisOptions(server.url_with_auth("", "nope")));
  EXPECT_EQ(io.Await(wrong.Command({"PING"})).error(), Errc::kAuthFailed);

  RedisConnection none(io.executor(), FastRedisOptions(server.url()));
  auto refused = io.Await(none.Command({"GET", "k"}));
  ASSERT_TRUE(refused);  // the server answers NOAUTH: a reply for the caller to judge
  EXPECT_TRUE(refused->is_error());
}

TEST(RedisConnectionAuthTest, AclUserAndPassword) {
  queuemon::testing::RedisServerOptions acl;
  acl.acl_users = {{"alice", "on", ">wonder land", "~*", "&*", "+@all"}};
  RedisServer server(acl);
  IoContextThreads io;
  RedisConnection alice(io.executor(), FastRedisOptions(server.url_with_auth("alice", "wonder land")));
  auto whoami = io.Await(alice.Command({"ACL", "WHOAMI"}));
  ASSERT_TRUE(whoami) << whoami.error().message();
  EXPECT_EQ(whoami->str, "alice");
  RedisConnection bad(io.executor(), FastRedisOptions(server.url_with_auth("alice", "wrong")));
  EXPECT_EQ(io.Await(bad.Command({"PING"})).error(), Errc::kAuthFailed);
}

TEST_F(RedisConnectionTest, SelectsTheUrlDb) {
  RedisConnection db3(io_.executor(), FastRedisOptions(redis_.url(3)));
  RedisConnection db0(io_.executor(), FastRedisOptions(redis_.url(0)));
  ASSERT_TRUE(io_.Await(db3.Command({"SET", "only-in-3", "x"})));
  EXPECT_TRUE(io_.Await(db0.Command({"GET", "only-in-3"}))->is_nil());
  EXPECT_EQ(io_.Await(db3.Command({"GET", "only-in-3"}))->str, "x");
  RedisConnection out_of_range(io_.executor(), FastRedisOptions(redis_.url(99)));  // 16 dbs
  EXPECT_EQ(io_.Await(out_of_range.Command({"PING"})).error(), Errc::kAuthFailed);
}

TEST(RedisConnectionUnixTest, UnixSocketUrl) {
  queuemon::testing::RedisServerOptions with_socket;
  with_socket.unix_socket = true;
  RedisServer server(with_socket);
  IoContextThreads io;
  RedisConnection redis(io.executor(), FastRedisOptions(server.unix_url(2)));
  ASSERT_TRUE(io.Await(redis.Command({"SET", "u", "1"})));
  RedisConnection tcp(io.executor(), FastRedisOptions(server.url(2)));
  EXPECT_EQ(io.Await(tcp.Command({"GET", "u"}))->str, "1");
}

TEST_F(RedisConnectionTest, StoppedServerFailsFastNotAtTheDeadline) {
  RedisConnection redis(io_.executor(), FastRedisOptions(redis_.url()));
  ASSERT_TRUE(io_.Await(redis.Command({"PING"})));
  redis_.Stop();
  // A deadline far beyond the test's own limit: only a prompt error can pass.
  const auto far = Clock::now() + 1h;
  auto first = io_.Await(redis.Command({"PING"}, far));
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error(), Errc::kUnavailable);
  auto second = io_.Await(redis.Command({"PING"}, far));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), Errc::kUnavailable);
  EXPECT_FALSE(redis.connected());
}

TEST_F(RedisConnectionTest, ReconnectsAfterRestart) {
  RedisConnection redis(io_.executor(), FastRedisOptions(redis_.url()));
  ASSERT_TRUE(io_.Await(redis.Command({"PING"})));
  redis_.Kill();
  EXPECT_FALSE(io_.Await(redis.Command({"PING"})));
  redis_.Restart();
  EXPECT_TRUE(EventuallyPongs(io_, redis));
  EXPECT_TRUE(redis.connected());
  EXPECT_GE(redis.Stats().connects, 2u);
}

TEST(RedisConnectionBlackholeTest, UnansweredCommandTimesOut) {
  queuemon::testing::BlackholeListener blackhole;
  IoContextThreads io;
  auto options = FastRedisOptions(blackhole.url());
  options.command_timeout = 200ms;
  RedisConnection redis(io.executor(), options);
  for (int i = 0; i < 2; ++i) {  // and again on a fresh connection
    auto reply = io.Await(redis.Command({"PING"}), 10s);
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error(), Errc::kTimeout);
  }
  auto piped = io.Await(redis.Pipeline({{"PING"}, {"PING"}}), 10s);
  ASSERT_FALSE(piped);
  EXPECT_EQ(piped.error(), Errc::kTimeout);
  EXPECT_EQ(redis.Stats().timeouts, 3u);
}

TEST(RedisConnectionBlackholeTest, UnansweredHandshakeTimesOut) {
  queuemon::testing::BlackholeListener blackhole;
  IoContextThreads io;
  auto options = FastRedisOptions("redis://:pw@127.0.0.1:" + std::to_string(blackhole.port()) + "/1");
  options.connect_timeout = 200ms;
  RedisConnection redis(io.executor(), options);
  auto reply = io.Await(redis.Command({"PING"}, Clock::now() + 1h), 10s);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error(), Errc::kTimeout);
  EXPECT_EQ(redis.Stats().connect_failures, 1u);
}

TEST_F(RedisConnectionTest, FrozenServerTimesOutThenRecovers) {
  RedisConnection redis(io_.executor(), FastRedisOptions(redis_.url()));
  ASSERT_TRUE(io_.Await(redis.Command({"SET", "k", "v"})));
  redis_.Pause();
  auto frozen = io_.Await(redis.Command({"GET", "k"}, Clock::now() + 200ms), 10s);
  redis_.Resume();
  ASSERT_FALSE(frozen);
  EXPECT_EQ(frozen.error(), Errc::kTimeout);
  EXPECT_TRUE(EventuallyPongs(io_, redis));
  EXPECT_EQ(io_.Await(redis.Command({"GET", "k"}))->str, "v");
}

TEST_F(RedisConnectionTest, BrpopWithinTheDeadline) {
  RedisConnection blocking(io_.executor(), FastRedisOptions(redis_.url()));
  auto empty = io_.Await(blocking.Command({"BRPOP", "jobs", "0.2"}, Clock::now() + 5s));
  ASSERT_TRUE(empty) << empty.error().message();
  EXPECT_TRUE(empty->is_nil());

  RedisConnection producer(io_.executor(), FastRedisOptions(redis_.url()));
  auto popped =
      asio::co_spawn(io_.context(), blocking.Command({"BRPOP", "jobs", "5"}), asio::use_future);
  ASSERT_TRUE(io_.Await(producer.Command({"LPUSH", "jobs", "job-1"})));
  ASSERT_EQ(popped.wait_for(10s), std::future_status::ready);
  auto reply = popped.get();
  ASSERT_TRUE(reply) << reply.error().message();
  ASSERT_EQ(reply->elements.size(), 2u);
  EXPECT_EQ(reply->elements[0].str, "jobs");
  EXPECT_EQ(reply->elements[1].str, "job-1");
}

TEST_F(RedisConnectionTest, MissedDeadlineResetsTheConnection) {
  RedisConnection redis(io_.executor(), FastRedisOptions(redis_.url()));
  auto blocked = io_.Await(redis.Command({"BRPOP", "nothing", "5"}, Clock::now() + 100ms));
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error(), Errc::kTimeout);
  // The late BRPOP reply must not be taken for this one: a fresh connection answers.
  auto pong = io_.Await(redis.Command({"PING"}));
  ASSERT_TRUE(pong) << pong.error().message();
  EXPECT_EQ(pong->str, "PONG");
  EXPECT_EQ(redis.Stats().connects, 2u);
}

TEST_F(RedisConnectionTest, OversizedReplyIsRefused) {
  auto options = FastRedisOptions(redis_.url());
  options.max_reply_bytes = 1024;
  RedisConnection redis(io_.executor(), options);
  ASSERT_TRUE(io_.Await(redis.Command({"SET", "big", std::string(4096, 'x')})));
  auto big = io_.Await(redis.Command({"GET", "big"}));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error(), Errc::kProtocol);
  EXPECT_TRUE(EventuallyPongs(io_, redis));
}

TEST_F(RedisConnectionTest, ClosedConnectionRefusesCalls) {
  RedisConnection redis(io_.executor(), FastRedisOptions(redis_.url()));
  ASSERT_TRUE(io_.Await(redis.Command({"PING"})));
  redis.Close();
  redis.Close();  // idempotent
  EXPECT_EQ(io_.Await(redis.Command({"PING"})).error(), Errc::kShuttingDown);
  EXPECT_FALSE(redis.connected());
}

TEST(RedisConnectionConfigTest, InvalidUrlIsAnInvalidArgument) {
  IoContextThreads io;
  RedisConnection redis(io.executor(), FastRedisOptions("rediss://127.0.0.1:1/0"));
  EXPECT_EQ(io.Await(redis.Command({"PING"})).error(), Errc::kInvalidArgument);
}

TEST(RedisConnectionBackoffTest, CallsDuringBackoffFailFastWithoutDialing) {
  IoContextThreads io;
  auto options = FastRedisOptions(
      "redis://127.0.0.1:" + std::to_string(queuemon::testing::PickFreeLoopbackPort()) + "/0");
  options.backoff_initial = 1h;  // nothing in this test outlives the first backoff
  options.backoff_max = 1h;
  RedisConnection redis(io.executor(), options);
  EXPECT_EQ(io.Await(redis.Command({"PING"})).error(), Errc::kUnavailable);
  EXPECT_EQ(io.Await(redis.Command({"PING"})).error(), Errc::kUnavailable);
  EXPECT_EQ(redis.Stats().connect_failures, 1u);
}

}  // namespace
}  // namespace queuemon::redis
