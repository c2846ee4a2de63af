// CacheControl over a ViewService and a FakeSource that emits changes as an event stream would:
// refresh on worker changes (coalesced per interval), drop on task changes, warm, invalidation
// by pattern, and the counters of each, checked exactly. TTLs run on a ManualClock; only the
// coalescing interval is real time (a timer), kept short.
#include "api/cache_control.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "api/view_service.h"
#include "base/clock.h"
#include "sources/fake/fake_source.h"
#include "tests/testing/run_coroutine.h"

namespace queuemon::api {
namespace {

using sources::View;
using std::chrono::milliseconds;

std::size_t Cause(std::string_view name) {
  for (std::size_t i = 0; i < kCauseCount; ++i) {
    if (CauseName(i) == name) return i;
  }
  ADD_FAILURE() << "no cause " << name;
  return 0;
}

std::size_t Cache(std::string_view name) { return ViewService::CategoryNamed(name).value(); }

class CacheControlTest : public ::testing::Test {
 protected:
  explicit CacheControlTest(milliseconds interval = milliseconds(40)) {
    sources::ChangeRules rules = sources::DefaultChangeRules();
    rules.min_refresh_interval = interval;
    service_ = std::make_unique<ViewService>(ioc_.get_executor(), source_, options_, clock_,
                                             milliseconds(2000), rules);
  }

  std::string Body(View view, std::string argument = "") {
    return testing::RunToCompletion(ioc_, service_->Get(view, std::move(argument), true))
        .entry->body;
  }
  // Runs every load and timer that is due (the coalesced refresh after its interval).
  void RunLoads() {
    ioc_.restart();
    ioc_.run();
  }
  ControlCounts Counts(std::string_view cache, std::string_view cause) const {
    return service_->control().Stats().by_cache[Cache(cache)][Cause(cause)];
  }
  std::uint64_t Triggers(std::string_view cause) const {
    return service_->control().Stats().triggers[Cause(cause)];
  }

  boost::asio::io_context ioc_;
  base::ManualClock clock_;
  sources::fake::FakeSource source_;
  std::map<std::string, cache::CacheOptions> options_;
  std::unique_ptr<ViewService> service_;
};

TEST_F(CacheControlTest, AWorkerGoingOfflineRefreshesTheStoredWorkerAndSummaryEntries) {
  EXPECT_EQ(Body(View::kWorkers), R"({"view":"workers","call":1})");
  EXPECT_EQ(Body(View::kSummary), R"({"view":"summary","call":2})");
  ASSERT_TRUE(source_.EmitChange("worker-offline"));
  RunLoads();
  EXPECT_EQ(source_.calls(), 4u) << "the two stored entries, nothing else";
  // Refreshed in place: the next reads are hits on the new data.
  const auto workers = testing::RunToCompletion(ioc_, service_->Get(View::kWorkers, "", true));
  EXPECT_EQ(workers.outcome, cache::Outcome::kHit);
  EXPECT_NE(workers.entry->body, R"({"view":"workers","call":1})");
  EXPECT_EQ(Triggers("worker-offline"), 1u);
  EXPECT_EQ(Counts("worker_status", "worker-offline"), (ControlCounts{1, 0, 0}));
  EXPECT_EQ(Counts("metrics_summary", "worker-offline"), (ControlCounts{1, 0, 0}));
  EXPECT_EQ(Counts("queue_status", "worker-offline"), ControlCounts{});
  // A change with no rule does nothing and is not counted.
  ASSERT_TRUE(source_.EmitChange("worker-heartbeat"));
  RunLoads();
  EXPECT_EQ(source_.calls(), 4u);
  EXPECT_EQ(Triggers("worker-heartbeat"), 0u);
}

// The interval is real time here (a timer): long enough that the immediate refresh is seen
// before the scheduled one however slow the machine (sanitizers), short enough to wait for.
class CacheControlBurstTest : public CacheControlTest {
 protected:
  CacheControlBurstTest() : CacheControlTest(milliseconds(500)) {}
  // Runs what is ready now, not what waits for a timer.
  void RunReady() {
    ioc_.restart();
    ioc_.poll();
  }
};

TEST_F(CacheControlBurstTest, ABurstOfChangesCausesOneRefreshNowAndOneAtTheIntervalsEnd) {
  Body(View::kWorkers);
  for (int i = 0; i < 1000; ++i) source_.EmitChange(i % 2 ? "worker-online" : "worker-expired");
  RunReady();
  EXPECT_EQ(source_.calls(), 1u + 1u) << "the first change refreshed at once";
  RunLoads();  // the scheduled refresh fires at the interval's end
  EXPECT_EQ(source_.calls(), 1u + 2u);
  EXPECT_EQ(Triggers("worker-expired"), 500u);
  EXPECT_EQ(Triggers("worker-online"), 500u);
  // The first (expired) refreshed at once; the second (online) scheduled the refresh at the
  // interval's end; the 998 others folded into it.
  EXPECT_EQ(Counts("worker_status", "worker-expired"), (ControlCounts{1, 499, 0}));
  EXPECT_EQ(Counts("worker_status", "worker-online"), (ControlCounts{1, 499, 0}));
  // After a quiet interval the next change refreshes at once again.
  clock_.Advance(milliseconds(500));
  source_.EmitChange("worker-online");
  RunReady();
  EXPECT_EQ(source_.calls(), 1u + 3u);
  EXPECT_EQ(Counts("worker_status", "worker-online"), (ControlCounts{2, 499, 0}));
}

TEST_F(CacheControlTest, AFinishedTaskDropsItsEntrySoTheNextReadLoadsTheFinalState) {
  EXPECT_EQ(Body(View::kTask, "abc"), R"({"view":"task:abc","call":1})");
  Body(View::kTasks);
  source_.EmitChange("task-started", "abc");  // no rule: the entry stays
  EXPECT_EQ(Body(View::kTask, "abc"), R"({"view":"task:abc","call":1})");
  source_.EmitChange("task-succeeded", "abc");
  EXPECT_EQ(Body(View::kTask, "abc"), R"({"view":"task:abc","call":3})");
  source_.EmitChange("task-failed", "never-read");
  EXPECT_EQ(Triggers("task-succeeded"), 1u);
  EXPECT_EQ(Triggers("task-failed"), 1u);
  EXPECT_EQ(Counts("task_status", "task-succeeded"), (ControlCounts{0, 0, 1}));
  EXPECT_EQ(Counts("task_status", "task-failed"), ControlCounts{});
  EXPECT_EQ(Body(View::kTasks), R"({"view":"tasks","call":2})") << "other entries stay";
  EXPECT_EQ(service_->CacheStats()[Cache("task_status")].second.invalidations, 1u);
}

TEST_F(CacheControlTest, WarmStartsTheCachesViewsAndStoredEntriesJoiningLoadsInFlight) {
  Body(View::kTask, "abc");
  source_.Hold();
  const auto first = service_->control().Warm(std::string_view("task_status"));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->started.at("task_status"), (std::vector<std::string>{"tasks", "task:abc"}));
  EXPECT_TRUE(first->joined.at("task_status").empty());
  const auto again = service_->control().Warm(std::nullopt);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->joined.at("task_status"), (std::vector<std::string>{"tasks", "task:abc"}));
  EXPECT_EQ(again->started.at("worker_status"), std::vector<std::string>{"workers"});
  EXPECT_EQ(again->started.at("health_check"), std::vector<std::string>{"health"});
  EXPECT_FALSE(service_->control().Warm(std::string_view("nope")).has_value());
  source_.Release();
  RunLoads();
  EXPECT_EQ(source_.calls(), 1u + 2u + 4u);  // the first warm's 2, the second's 4 new ones
  EXPECT_EQ(Triggers("warm"), 2u);
  EXPECT_EQ(Counts("task_status", "warm"), (ControlCounts{2, 2, 0}));
  EXPECT_EQ(Counts("queue_status", "warm"), (ControlCounts{1, 0, 0}));
}

TEST_F(CacheControlTest, InvalidateByPatternDropsOnlyMatchingKeysAndCountsThem) {
  Body(View::kTask, "a1");
  Body(View::kTask, "a2");
  Body(View::kTasks);
  Body(View::kWorkers);
  auto dropped = service_->control().Invalidate(std::string_view("task_status"),
                                                std::string_view("task:*"));
  ASSERT_TRUE(dropped.has_value());
  EXPECT_EQ(*dropped, (DropReport{{"task_status", 2}}));
  dropped = service_->control().Invalidate(std::nullopt, std::string_view("*s"));
  ASSERT_TRUE(dropped.has_value());
  EXPECT_EQ(dropped->at("task_status"), 1u);    // tasks
  EXPECT_EQ(dropped->at("worker_status"), 1u);  // workers
  EXPECT_EQ(dropped->size(), 5u);
  EXPECT_FALSE(service_->control().Invalidate(std::string_view("nope"), std::nullopt));
  EXPECT_EQ(Triggers("invalidate_pattern"), 2u);
  EXPECT_EQ(Counts("task_status", "invalidate_pattern"), (ControlCounts{0, 0, 3}));
  EXPECT_EQ(service_->CacheStats()[Cache("task_status")].second.invalidations, 3u);
}

TEST_F(CacheControlTest, NewRulesApplyToTheNextChange) {
  Body(View::kWorkers);
  service_->control().SetRules(sources::ChangeRules{});  // no rules at all
  source_.EmitChange("worker-offline");
  RunLoads();
  EXPECT_EQ(source_.calls(), 1u);
  const CacheControlStats stats = service_->control().Stats();
  EXPECT_FALSE(stats.configured[Cause("worker-offline")]);
  EXPECT_TRUE(stats.configured[Cause("warm")]);
}

}  // namespace
}  // namespace queuemon::api
