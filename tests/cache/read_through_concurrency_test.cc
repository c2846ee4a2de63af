// ReadThrough on a 4-thread io_context (run under TSan too): clients that arrive together on a
// cold key cause exactly one load, however their threads interleave. A client that saw the
// miss just before another client's load stored its entry and left the single-flight must get
// that entry, not start a second load (the e2e burst test once saw two broker rounds so).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "cache/read_through.h"

namespace queuemon::cache {
namespace {

namespace asio = boost::asio;

constexpr int kRounds = 3000;
constexpr int kClientsPerRound = 8;
constexpr int kThreads = 4;

CacheOptions LongTtl() {
  CacheOptions options;
  options.ttl = std::chrono::hours(1);
  options.refresh_after = std::chrono::hours(1);
  return options;
}

TEST(ReadThroughConcurrencyTest, ClientsOnAColdKeyCauseOneLoadPerRound) {
  asio::io_context ioc(kThreads);
  auto work = asio::make_work_guard(ioc);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back([&] { ioc.run(); });

  base::SteadyClock clock;
  ReadThrough cache("task_status", LongTtl(), clock, ioc.get_executor());
  std::atomic<int> loads{0};
  const Loader loader = [&]() -> asio::awaitable<LoadResult> {
    const int n = loads.fetch_add(1) + 1;
    co_return LoadResult(Entry::Make(std::to_string(n), clock.Now()));
  };
  int extra_loads = 0;
  int failures = 0;
  for (int round = 0; round < kRounds; ++round) {
    cache.cache().Clear();
    const int before = loads.load();
    std::latch done(kClientsPerRound);
    std::atomic<int> failed{0};
    for (int c = 0; c < kClientsPerRound; ++c) {
      asio::co_spawn(
          ioc,
          [&]() -> asio::awaitable<void> {
            const ReadResult read = co_await cache.Read("tasks", loader, /*use_cache=*/true,
                                                        Reader::kClient, std::chrono::seconds(10));
            if (read.outcome != Outcome::kHit && read.outcome != Outcome::kMiss) failed.fetch_add(1);
            done.count_down();
          },
          asio::detached);
    }
    done.wait();
    extra_loads += loads.load() - before - 1;
    failures += failed.load();
  }
  work.reset();
  for (auto& t : threads) t.join();

  EXPECT_EQ(failures, 0);
  EXPECT_EQ(extra_loads, 0) << "loads beyond one per round of " << kClientsPerRound << " clients";
  EXPECT_EQ(cache.cache().Stats().total_requests,
            static_cast<std::uint64_t>(kRounds * kClientsPerRound));
}

}  // namespace
}  // namespace queuemon::cache
