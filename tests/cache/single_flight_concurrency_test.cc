// SingleFlight on a 4-thread io_context (run under TSan too): at most one load per key at a
// time, every waiter gets its key's data or a deadline, and a bypass only ever receives data
// from a load that started after it arrived.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cache/single_flight.h"

namespace queuemon::cache {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr int kKeys = 8;
constexpr int kWaitersPerKey = 200;
constexpr int kThreads = 4;

struct Shared {
  std::atomic<std::uint64_t> tick{0};  // orders arrivals and load starts
  std::atomic<int> active[kKeys] = {};
  std::atomic<int> overlaps{0};
  std::atomic<int> loads[kKeys] = {};
  std::atomic<int> results{0}, timeouts{0}, wrong{0};
};

// A load: checks it is alone for its key, yields a few times, returns "<key>#<start tick>".
Loader MakeLoader(Shared& shared, int key) {
  return [&shared, key]() -> asio::awaitable<LoadResult> {
    const std::uint64_t started = shared.tick.fetch_add(1) + 1;
    shared.loads[key].fetch_add(1);
    if (shared.active[key].fetch_add(1) != 0) shared.overlaps.fetch_add(1);
    for (int i = 0; i < 3; ++i)
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    shared.active[key].fetch_sub(1);
    std::string body = std::to_string(key);  // appended, not `a + b`: see GCC bug 105329
    body += '#';
    body += std::to_string(started);
    co_return LoadResult(Entry::Make(std::move(body), base::TimePoint{}));
  };
}

asio::awaitable<void> Waiter(SingleFlight& flight, Shared& shared, int key, int n) {
  const bool bypass = n % 5 == 0;
  const auto timeout =
      n % 7 == 0 ? std::chrono::microseconds(50) : std::chrono::microseconds(10'000'000);
  const std::uint64_t arrived = shared.tick.fetch_add(1) + 1;
  auto r = co_await flight.Do(
      std::to_string(key), bypass ? SingleFlight::Join::kStartedAfterNow : SingleFlight::Join::kAny,
      Clock::now() + timeout, MakeLoader(shared, key));
  if (!r) {
    shared.timeouts.fetch_add(1);
    co_return;
  }
  shared.results.fetch_add(1);
  std::string prefix = std::to_string(key);
  prefix += '#';
  if (!r->has_value() || (*r).value()->body.rfind(prefix, 0) != 0) {
    shared.wrong.fetch_add(1);
    co_return;
  }
  const std::uint64_t load_start = std::stoull((*r).value()->body.substr(prefix.size()));
  if (bypass && load_start <= arrived) shared.wrong.fetch_add(1);
}

TEST(SingleFlightConcurrencyTest, ManyWaitersOnManyThreads) {
  asio::io_context ioc(kThreads);
  SingleFlight flight(ioc.get_executor());
  Shared shared;
  for (int n = 0; n < kWaitersPerKey; ++n) {
    for (int key = 0; key < kKeys; ++key) {
      asio::co_spawn(ioc, Waiter(flight, shared, key, n), asio::detached);
    }
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back([&] { ioc.run(); });
  for (auto& th : threads) th.join();

  EXPECT_EQ(shared.overlaps.load(), 0);
  EXPECT_EQ(shared.wrong.load(), 0);
  EXPECT_EQ(shared.results.load() + shared.timeouts.load(), kKeys * kWaitersPerKey);
  int loads = 0;
  for (int key = 0; key < kKeys; ++key) {
    loads += shared.loads[key].load();
    EXPECT_FALSE(flight.InFlight(std::to_string(key)));
  }
  EXPECT_EQ(static_cast<std::uint64_t>(loads), flight.LoadsStarted());
  EXPECT_LT(loads, kKeys * kWaitersPerKey);  // sharing happened
  std::printf("loads %d results %d timeouts %d\n", loads, shared.results.load(),
              shared.timeouts.load());
}

}  // namespace
}  // namespace queuemon::cache
