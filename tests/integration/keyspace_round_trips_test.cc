// Issue 15, item 4: the round trips and commands of one RQ or Sidekiq collection are bounded
// and independent of the data's size in round trips: 200 workers and 100 queues, registered
// with the libraries' own calls (RQ's register_birth and enqueue; Sidekiq's Client.push, and
// the heartbeat keys its launcher writes), collected once while Redis counts every command
// (CONFIG RESETSTAT, then INFO commandstats). And every command a source sends is a read.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "sources/rq/rq_source.h"
#include "sources/sidekiq/sidekiq_source.h"
#include "tests/testing/io_context_threads.h"
#include "tests/testing/job_queue_apps.h"
#include "tests/testing/redis_monitor.h"
#include "tests/testing/redis_server.h"

namespace queuemon::sources {
namespace {

using std::chrono::seconds;
constexpr int kWorkers = 200;
constexpr int kQueues = 100;

class KeyspaceRoundTripsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new testing::RedisServer();
    const std::string logs = ::testing::TempDir() + "/keyspace_round_trips_logs";
    std::filesystem::create_directories(logs);
    const std::string w = std::to_string(kWorkers), q = std::to_string(kQueues);
    testing::JobQueueApp::Rq(redis_->url(0), logs).Ctl({"simulate", w, q});
    testing::JobQueueApp::Sidekiq(redis_->url(1), logs).Ctl({"simulate", w, q});
    io_ = new testing::IoContextThreads(2);
    admin_ = new redis::RedisConnection(io_->executor(), Options(0));
    rq::RqOptions rq;
    rq.name = "jobs";
    rq.redis = Options(0);
    rq_ = new rq::RqSource(io_->executor(), rq, clock_);
    sidekiq::SidekiqOptions sk;
    sk.name = "web";
    sk.redis = Options(1);
    sidekiq_ = new sidekiq::SidekiqSource(io_->executor(), sk, clock_);
    // Connected (SELECT done) before anything is measured.
    for (keyspace::KeyspaceSource* s : {static_cast<keyspace::KeyspaceSource*>(rq_),
                                        static_cast<keyspace::KeyspaceSource*>(sidekiq_)}) {
      if (!io_->Await(s->Collect(ViewRequest{View::kHealth, {}}), seconds(10))) {
        throw std::runtime_error("source did not connect");
      }
    }
  }
  static void TearDownTestSuite() {
    for (keyspace::KeyspaceSource* s : {static_cast<keyspace::KeyspaceSource*>(rq_),
                                        static_cast<keyspace::KeyspaceSource*>(sidekiq_)}) {
      s->Stop();
      delete s;
    }
    admin_->Close();
    delete admin_;
    delete io_;
    delete redis_;
  }
  static redis::RedisOptions Options(int db) {
    redis::RedisOptions o;
    o.url = redis_->url(db);
    o.command_timeout = std::chrono::seconds(5);
    return o;
  }

  // Calls per command (lower case) during one collection of `view`, and the source's round
  // trips for it.
  struct Cost {
    std::map<std::string, std::int64_t> calls;
    std::uint64_t round_trips = 0;
    Collected collected;
  };
  static Cost Measure(keyspace::KeyspaceSource& source, View view, std::string argument = {}) {
    Run({"CONFIG", "RESETSTAT"});
    const std::uint64_t before = source.ConnectionStats().round_trips;
    auto collected = io_->Await(source.Collect(ViewRequest{view, std::move(argument)}), seconds(10));
    if (!collected) throw std::runtime_error("collect failed: " + collected.error().message());
    Cost cost;
    cost.round_trips = source.ConnectionStats().round_trips - before;
    cost.collected = std::move(*collected);
    std::istringstream info(Run({"INFO", "commandstats"}).str);
    for (std::string line; std::getline(info, line);) {
      // cmdstat_hgetall:calls=200,usec=...
      if (line.rfind("cmdstat_", 0) != 0) continue;
      const std::string name = line.substr(8, line.find(':') - 8);
      const std::size_t calls = line.find("calls=") + 6;
      if (name == "info" || name.rfind("config", 0) == 0) continue;  // ours, measuring
      cost.calls[name] = std::stoll(line.substr(calls, line.find(',', calls) - calls));
    }
    return cost;
  }
  static redis::RedisReply Run(redis::RedisCommand command) {
    auto reply = io_->Await(admin_->Command(std::move(command)), seconds(5));
    if (!reply || reply->is_error()) throw std::runtime_error("admin command failed");
    return std::move(*reply);
  }

  static inline base::SteadyClock clock_;
  static inline testing::RedisServer* redis_ = nullptr;
  static inline testing::IoContextThreads* io_ = nullptr;
  static inline redis::RedisConnection* admin_ = nullptr;
  static inline rq::RqSource* rq_ = nullptr;
  static inline sidekiq::SidekiqSource* sidekiq_ = nullptr;
};

using Calls = std::map<std::string, std::int64_t>;

TEST_F(KeyspaceRoundTripsTest, RqWorkersInTwoRoundTrips) {
  const Cost cost = Measure(*rq_, View::kWorkers);
  EXPECT_EQ(cost.round_trips, 2u);
  EXPECT_EQ(cost.calls, (Calls{{"smembers", 1}, {"hgetall", kWorkers}}));
  EXPECT_EQ(std::get<WorkersView>(cost.collected.data).online, kWorkers);
}

TEST_F(KeyspaceRoundTripsTest, RqQueuesInThreeRoundTripsWithTheirHeads) {
  const Cost cost = Measure(*rq_, View::kQueues);
  EXPECT_EQ(cost.round_trips, 3u);
  // Per queue: LLEN, LINDEX (head), SCARD (workers), 3 ZCOUNT + 3 ZCARD (registries), and the
  // head job's enqueued_at.
  EXPECT_EQ(cost.calls, (Calls{{"smembers", 1}, {"exists", 1}, {"llen", kQueues}, {"lindex", kQueues},
                               {"scard", kQueues}, {"zcount", 3 * kQueues}, {"zcard", 3 * kQueues},
                               {"hget", kQueues}}));
  const auto& view = std::get<QueuesView>(cost.collected.data);
  ASSERT_EQ(view.queues.size(), static_cast<std::size_t>(kQueues));
  EXPECT_EQ(view.total_messages, kQueues);
  for (const QueueInfo& q : view.queues) {
    EXPECT_EQ(q.consumers, kWorkers / kQueues) << q.name;
    EXPECT_GT(q.oldest_job_age.value_or(0), 0) << q.name;
  }
}

TEST_F(KeyspaceRoundTripsTest, SidekiqProcessesInTwoRoundTrips) {
  const Cost cost = Measure(*sidekiq_, View::kWorkers);
  EXPECT_EQ(cost.round_trips, 2u);
  // The work hash under both names: Sidekiq 6's ":workers" and 7's ":work".
  EXPECT_EQ(cost.calls, (Calls{{"smembers", 1}, {"hmget", kWorkers}, {"hgetall", 2 * kWorkers}}));
  EXPECT_EQ(std::get<WorkersView>(cost.collected.data).online, kWorkers);
}

TEST_F(KeyspaceRoundTripsTest, SidekiqQueuesInTwoRoundTripsWithTheirHeads) {
  const Cost cost = Measure(*sidekiq_, View::kQueues);
  EXPECT_EQ(cost.round_trips, 2u);
  EXPECT_EQ(cost.calls, (Calls{{"smembers", 2}, {"get", 2}, {"zcard", 3}, {"llen", kQueues},
                               {"lindex", kQueues}, {"sismember", kQueues}, {"hmget", kWorkers}}));
  const auto& view = std::get<QueuesView>(cost.collected.data);
  ASSERT_EQ(view.queues.size(), static_cast<std::size_t>(kQueues));
  for (const QueueInfo& q : view.queues) {
    EXPECT_EQ(q.consumers, kWorkers / kQueues) << q.name;
    EXPECT_GT(q.oldest_job_age.value_or(0), 0) << q.name;
  }
}

// Every view, and job lookups that find nothing (the longest path), send reads only: the
// sources never write to the Redis they watch (RQ's own registry.count would clean up).
TEST_F(KeyspaceRoundTripsTest, EveryCommandIsARead) {
  const std::set<std::string> reads = {"SMEMBERS", "EXISTS", "HGETALL", "HGET",  "HMGET",
                                       "LLEN",     "LINDEX", "LRANGE",  "SCARD", "SISMEMBER",
                                       "ZCARD",    "ZCOUNT", "ZSCAN",   "GET",   "XREVRANGE",
                                       "PING",     "SELECT"};
  testing::RedisMonitor monitor(redis_->port());
  for (keyspace::KeyspaceSource* source : {static_cast<keyspace::KeyspaceSource*>(rq_),
                                           static_cast<keyspace::KeyspaceSource*>(sidekiq_)}) {
    for (View view : {View::kWorkers, View::kQueues, View::kTasks, View::kSummary, View::kHealth}) {
      EXPECT_TRUE(io_->Await(source->Collect(ViewRequest{view, {}}), seconds(10)));
    }
    EXPECT_TRUE(io_->Await(source->Collect(ViewRequest{View::kTask, "no-such-job"}), seconds(10)));
  }
  const std::vector<std::string> lines = monitor.Fence();
  std::set<std::string> seen;
  for (const std::string& line : lines) {
    const std::size_t open = line.find("] \"");
    if (open == std::string::npos) continue;
    const std::size_t start = open + 3;
    seen.insert(line.substr(start, line.find('"', start) - start));
  }
  EXPECT_TRUE(seen.count("ZSCAN") && seen.count("LRANGE") && seen.count("XREVRANGE"))
      << "the lookups ran";
  for (const std::string& command : seen) {
    std::string upper = command;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_TRUE(reads.count(upper)) << command << " is not a read";
  }
}

}  // namespace
}  // namespace queuemon::sources
