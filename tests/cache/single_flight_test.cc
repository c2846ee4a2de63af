// SingleFlight on a single-threaded io_context: sharing, errors, per-waiter deadlines,
// bypass (kStartedAfterNow) queuing and refresh-ahead. Loads finish only when the test says so.
#include "cache/single_flight.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/testing/load_script.h"

namespace queuemon::cache {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

class SingleFlightTest : public ::testing::Test {
 protected:
  // Starts a waiter; its outcome lands in the returned slot (engaged once Do returned).
  std::shared_ptr<std::optional<std::optional<LoadResult>>> Wait(SingleFlight::Join join,
                                                                 Clock::duration timeout,
                                                                 std::string key = "k") {
    auto out = std::make_shared<std::optional<std::optional<LoadResult>>>();
    asio::co_spawn(
        ioc_,
        [this, out, join, timeout, key]() -> asio::awaitable<void> {
          *out = co_await flight_.Do(key, join, Clock::now() + timeout, script_.MakeLoader());
        },
        asio::detached);
    return out;
  }

  // Runs every handler that is ready now (no timers), so waiters park on their wake-ups.
  void Settle() {
    ioc_.restart();
    while (ioc_.poll() > 0) {
    }
  }

  // Runs the io_context until `done` holds; fails after a 10 s safety deadline.
  void RunUntil(const std::function<bool()>& done) {
    const auto deadline = Clock::now() + seconds(10);
    while (!done()) {
      ASSERT_LT(Clock::now(), deadline) << "condition not reached";
      ioc_.restart();
      ioc_.run_one_for(milliseconds(10));
    }
  }

  static std::string BodyOf(const std::optional<std::optional<LoadResult>>& out) {
    if (!out || !*out || !(*out)->has_value()) return "<none>";
    return (**out).value()->body;
  }

  asio::io_context ioc_;
  SingleFlight flight_{ioc_.get_executor()};
  queuemon::testing::LoadScript script_{ioc_.get_executor()};
};

TEST_F(SingleFlightTest, ConcurrentWaitersShareOneLoad) {
  std::vector<std::shared_ptr<std::optional<std::optional<LoadResult>>>> outs;
  for (int i = 0; i < 10; ++i) outs.push_back(Wait(SingleFlight::Join::kAny, seconds(10)));
  Settle();
  EXPECT_EQ(flight_.LoadsStarted(), 1u);
  EXPECT_EQ(script_.started(), 1u);
  EXPECT_TRUE(flight_.InFlight("k"));
  for (auto& out : outs) EXPECT_FALSE(out->has_value());
  script_.Succeed(0, "v0");
  RunUntil([&] {
    return std::all_of(outs.begin(), outs.end(), [](auto& o) { return o->has_value(); });
  });
  const Entry* first = (***outs[0]).value().get();
  for (auto& out : outs) {
    EXPECT_EQ(BodyOf(*out), "v0");
    EXPECT_EQ((***out).value().get(), first);  // the very same entry
  }
  EXPECT_FALSE(flight_.InFlight("k"));
}

TEST_F(SingleFlightTest, DifferentKeysLoadIndependently) {
  auto a = Wait(SingleFlight::Join::kAny, seconds(10), "a");
  auto b = Wait(SingleFlight::Join::kAny, seconds(10), "b");
  Settle();
  EXPECT_EQ(flight_.LoadsStarted(), 2u);
  script_.Succeed(0, "x");
  script_.Succeed(1, "y");
  RunUntil([&] { return a->has_value() && b->has_value(); });
  EXPECT_NE(BodyOf(*a), BodyOf(*b));
}

TEST_F(SingleFlightTest, FailedLoadWakesAllWaitersWithTheError) {
  auto a = Wait(SingleFlight::Join::kAny, seconds(10));
  auto b = Wait(SingleFlight::Join::kAny, seconds(10));
  Settle();
  script_.Finish(0, LoadResult(asio::error::connection_refused));
  RunUntil([&] { return a->has_value() && b->has_value(); });
  for (auto* out : {&*a, &*b}) {
    ASSERT_TRUE(out->has_value() && out->value().has_value());
    ASSERT_TRUE(out->value()->has_error());
    EXPECT_EQ(out->value()->error(), asio::error::connection_refused);
  }
  EXPECT_FALSE(flight_.InFlight("k"));
}

TEST_F(SingleFlightTest, ThrowingLoaderWakesWaitersWithAnError) {
  auto out = std::make_shared<std::optional<LoadResult>>();
  asio::co_spawn(
      ioc_,
      [&]() -> asio::awaitable<void> {
        Loader throwing = []() -> asio::awaitable<LoadResult> {
          throw std::runtime_error("broken loader");
          co_return LoadResult(asio::error::eof);
        };
        auto r = co_await flight_.Do("k", SingleFlight::Join::kAny, Clock::now() + seconds(10),
                                     throwing);
        if (r) *out = *r;
      },
      asio::detached);
  RunUntil([&] { return out->has_value(); });
  ASSERT_TRUE((*out)->has_error());
  EXPECT_EQ((*out)->error(), asio::error::operation_aborted);
}

TEST_F(SingleFlightTest, WaiterDeadlinePassesWhileLoadContinues) {
  auto patient = Wait(SingleFlight::Join::kAny, seconds(10));
  auto hasty = Wait(SingleFlight::Join::kAny, milliseconds(20));
  RunUntil([&] { return hasty->has_value(); });
  EXPECT_FALSE(hasty->value().has_value());  // nullopt: deadline
  EXPECT_FALSE(patient->has_value());
  EXPECT_TRUE(flight_.InFlight("k"));
  auto late = Wait(SingleFlight::Join::kAny, seconds(10));  // joins the same, still running load
  Settle();
  script_.Succeed(0, "v0");
  RunUntil([&] { return patient->has_value() && late->has_value(); });
  EXPECT_EQ(BodyOf(*patient), "v0");
  EXPECT_EQ(BodyOf(*late), "v0");
  EXPECT_EQ(flight_.LoadsStarted(), 1u);
}

TEST_F(SingleFlightTest, DeadlineAlreadyPassedReturnsNulloptAndLoadStillRuns) {
  auto out = Wait(SingleFlight::Join::kAny, -milliseconds(1));
  RunUntil([&] { return out->has_value(); });
  EXPECT_FALSE(out->value().has_value());
  EXPECT_EQ(flight_.LoadsStarted(), 1u);
  EXPECT_TRUE(flight_.InFlight("k"));
  script_.Succeed(0, "v0");
  RunUntil([&] { return !flight_.InFlight("k"); });
}

TEST_F(SingleFlightTest, BypassesDoNotJoinOlderLoadAndShareOneFollowUp) {
  auto cached = Wait(SingleFlight::Join::kAny, seconds(10));
  Settle();
  ASSERT_EQ(flight_.LoadsStarted(), 1u);
  std::vector<std::shared_ptr<std::optional<std::optional<LoadResult>>>> bypasses;
  for (int i = 0; i < 5; ++i)
    bypasses.push_back(Wait(SingleFlight::Join::kStartedAfterNow, seconds(10)));
  auto joiner = Wait(SingleFlight::Join::kAny, seconds(10));  // a cached request joins the old load
  Settle();
  EXPECT_EQ(flight_.LoadsStarted(), 1u);  // the follow-up is only queued
  script_.Succeed(0, "old");
  RunUntil([&] { return cached->has_value() && joiner->has_value() && script_.started() == 2; });
  EXPECT_EQ(BodyOf(*cached), "old");
  EXPECT_EQ(BodyOf(*joiner), "old");
  for (auto& b : bypasses) EXPECT_FALSE(b->has_value());
  EXPECT_EQ(flight_.LoadsStarted(), 2u);
  EXPECT_TRUE(flight_.InFlight("k"));
  script_.Succeed(1, "new");
  RunUntil([&] {
    return std::all_of(bypasses.begin(), bypasses.end(), [](auto& o) { return o->has_value(); });
  });
  for (auto& b : bypasses) EXPECT_EQ(BodyOf(*b), "new");
  EXPECT_EQ(flight_.LoadsStarted(), 2u);
  EXPECT_FALSE(flight_.InFlight("k"));
}

TEST_F(SingleFlightTest, BypassWithNothingInFlightStartsALoadOthersMayJoin) {
  auto bypass = Wait(SingleFlight::Join::kStartedAfterNow, seconds(10));
  auto joiner = Wait(SingleFlight::Join::kAny, seconds(10));
  Settle();
  EXPECT_EQ(flight_.LoadsStarted(), 1u);
  script_.Succeed(0, "v0");
  RunUntil([&] { return bypass->has_value() && joiner->has_value(); });
  EXPECT_EQ(BodyOf(*bypass), "v0");
  EXPECT_EQ(BodyOf(*joiner), "v0");
}

TEST_F(SingleFlightTest, StartIfIdleStartsOnlyWhenNoLoadRuns) {
  EXPECT_TRUE(flight_.StartIfIdle("k", script_.MakeLoader()));
  EXPECT_FALSE(flight_.StartIfIdle("k", script_.MakeLoader()));
  auto joiner = Wait(SingleFlight::Join::kAny, seconds(10));  // joins the refresh
  Settle();
  EXPECT_EQ(flight_.LoadsStarted(), 1u);
  EXPECT_TRUE(flight_.InFlight("k"));
  script_.Succeed(0, "refreshed");
  RunUntil([&] { return joiner->has_value(); });
  EXPECT_EQ(BodyOf(*joiner), "refreshed");
  EXPECT_FALSE(flight_.InFlight("k"));
  EXPECT_TRUE(flight_.StartIfIdle("k", script_.MakeLoader()));
  EXPECT_EQ(flight_.LoadsStarted(), 2u);
  script_.Succeed(1, "again");
  RunUntil([&] { return !flight_.InFlight("k"); });
}

TEST_F(SingleFlightTest, LoadAndWaitersOutliveTheSingleFlightObject) {
  auto flight = std::make_unique<SingleFlight>(ioc_.get_executor());
  std::optional<std::optional<LoadResult>> out;
  asio::co_spawn(
      ioc_,
      [&]() -> asio::awaitable<void> {
        out = co_await flight->Do("k", SingleFlight::Join::kAny, Clock::now() + seconds(10),
                                  script_.MakeLoader());
      },
      asio::detached);
  Settle();
  ASSERT_EQ(script_.started(), 1u);
  flight.reset();
  script_.Succeed(0, "v0");
  RunUntil([&] { return out.has_value(); });
  EXPECT_EQ(BodyOf(out), "v0");
}

}  // namespace
}  // namespace queuemon::cache
