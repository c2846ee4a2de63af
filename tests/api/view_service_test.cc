#include "api/view_service.h"

#include <gtest/gtest.h>

#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "api/cache_control.h"
#include "base/clock.h"
#include "sources/errors.h"
#include "tests/testing/run_coroutine.h"
#include "sources/fake/fake_source.h"
#include "sources/view_filter.h"

namespace queuemon::api {
namespace {

using sources::Errc;
using sources::View;
using std::chrono::milliseconds;
using std::chrono::seconds;

class ViewServiceTest : public ::testing::Test {
 protected:
  ViewServiceTest() {
    cache::CacheOptions workers;
    workers.ttl = seconds(4);
    workers.refresh_after = seconds(2);
    workers.stale_for = seconds(10);
    options_["worker_status"] = workers;
    service_ = std::make_unique<ViewService>(ioc_.get_executor(), source_, options_, clock_,
                                             milliseconds(2000));
  }

  cache::ReadResult GetWorkers(bool use_cache = true) {
    return testing::RunToCompletion(ioc_, service_->Get(View::kWorkers, "", use_cache));
  }
  cache::CacheStats WorkerStats() const { return service_->CacheStats()[1].second; }

  boost::asio::io_context ioc_;
  base::ManualClock clock_;
  sources::fake::FakeSource source_;
  std::map<std::string, cache::CacheOptions> options_;
  std::unique_ptr<ViewService> service_;
};

TEST_F(ViewServiceTest, FirstRequestIsAMissThenHits) {
  const cache::ReadResult first = GetWorkers();
  ASSERT_EQ(first.outcome, cache::Outcome::kMiss);
  EXPECT_EQ(first.entry->body, R"({"view":"workers","call":1})");
  clock_.Advance(seconds(1));
  const cache::ReadResult second = GetWorkers();
  ASSERT_EQ(second.outcome, cache::Outcome::kHit);
  EXPECT_EQ(second.entry, first.entry);
  EXPECT_EQ(second.age, seconds(1));
  EXPECT_EQ(source_.calls(), 1u);
  const auto stats = WorkerStats();
  EXPECT_EQ(service_->CacheStats()[1].first, "worker_status");
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.total_requests, 2u);
}

// Issue 16, item 4: a large view is stored with a gzip form, made by the load; the threshold
// is the service's (http.gzip_min_bytes), off until set, and applies from the next load on.
TEST_F(ViewServiceTest, ALoadStoresAGzipFormOfABodyFromTheThresholdOn) {
  source_.SetBodyPadding(4096);
  const cache::ReadResult off = GetWorkers(/*use_cache=*/false);
  ASSERT_EQ(off.outcome, cache::Outcome::kMiss);
  EXPECT_FALSE(off.entry->has_gzip()) << "no gzip until SetGzipMinBytes";
  EXPECT_EQ(off.entry->header_lines.find("Vary"), std::string::npos);

  service_->SetGzipMinBytes(1024);
  const cache::ReadResult on = GetWorkers(/*use_cache=*/false);
  ASSERT_GE(on.entry->body.size(), 4096u);
  EXPECT_TRUE(on.entry->has_gzip());
  EXPECT_NE(on.entry->header_lines.find("Vary: Accept-Encoding"), std::string::npos);
  EXPECT_EQ(WorkerStats().bytes, std::string_view("workers").size() + on.entry->body.size() +
                                     on.entry->etag.size() + on.entry->gzip_body.size() +
                                     on.entry->gzip_etag.size());

  service_->SetGzipMinBytes(on.entry->body.size() + 1);
  EXPECT_FALSE(GetWorkers(/*use_cache=*/false).entry->has_gzip()) << "under the new threshold";
}

TEST_F(ViewServiceTest, RefreshAheadStartsOneBackgroundLoadAndServesTheOldEntry) {
  const cache::ReadResult first = GetWorkers();
  clock_.Advance(seconds(3));  // past refresh_after, before ttl
  source_.Hold();
  const auto reader = testing::RunToCompletion(ioc_, [&]() -> boost::asio::awaitable<cache::ReadResult> {
    cache::ReadResult a = co_await service_->Get(View::kWorkers, "", true);
    cache::ReadResult b = co_await service_->Get(View::kWorkers, "", true);
    EXPECT_EQ(b.entry, first.entry);
    source_.Release();
    co_return a;
  }());
  EXPECT_EQ(reader.outcome, cache::Outcome::kHit);
  EXPECT_EQ(reader.entry, first.entry);  // the reader did not wait for the refresh
  EXPECT_EQ(source_.calls(), 2u);     // one background load for two readers
  const cache::ReadResult after = GetWorkers();
  EXPECT_EQ(after.outcome, cache::Outcome::kHit);
  EXPECT_EQ(after.entry->body, R"({"view":"workers","call":2})");
  EXPECT_EQ(WorkerStats().hits, 3u);
}

TEST_F(ViewServiceTest, FailedReloadServesStaleWithinStaleForThenFails) {
  GetWorkers();
  source_.Fail(Errc::kUnavailable);
  clock_.Advance(seconds(5));  // expired (ttl 4), inside ttl + stale_for (14)
  const cache::ReadResult stale = GetWorkers();
  ASSERT_EQ(stale.outcome, cache::Outcome::kStale);
  EXPECT_EQ(stale.age, seconds(5));
  clock_.Advance(seconds(10));  // 15 s old: past ttl + stale_for
  const cache::ReadResult failed = GetWorkers();
  ASSERT_EQ(failed.outcome, cache::Outcome::kError);
  EXPECT_EQ(failed.error, sources::MakeErrorCode(Errc::kUnavailable));
  const auto stats = WorkerStats();
  EXPECT_EQ(stats.stale, 1u);
  EXPECT_EQ(stats.misses, 2u);  // the first load, and the failed one
  EXPECT_EQ(stats.hits + stats.misses + stats.stale, stats.total_requests);
}

TEST_F(ViewServiceTest, BypassLoadsFreshDataAndNeverServesStale) {
  GetWorkers();
  const cache::ReadResult bypass = GetWorkers(/*use_cache=*/false);
  ASSERT_EQ(bypass.outcome, cache::Outcome::kMiss);
  EXPECT_EQ(bypass.entry->body, R"({"view":"workers","call":2})");
  source_.Fail(Errc::kUnavailable);
  const cache::ReadResult failed = GetWorkers(/*use_cache=*/false);
  EXPECT_EQ(failed.outcome, cache::Outcome::kError);
  const auto stats = WorkerStats();
  EXPECT_EQ(stats.misses, 3u);
  EXPECT_EQ(stats.total_requests, 3u);
}

TEST_F(ViewServiceTest, ConcurrentMissesShareOneLoad) {
  source_.Hold();
  std::vector<cache::ReadResult> results;
  for (int i = 0; i < 3; ++i) {
    boost::asio::co_spawn(ioc_, service_->Get(View::kWorkers, "", true),
                          [&](std::exception_ptr, cache::ReadResult r) { results.push_back(r); });
  }
  ASSERT_TRUE(testing::RunUntil(ioc_, [&] { return source_.waiting() == 1; }));
  source_.Release();
  ASSERT_TRUE(testing::RunUntil(ioc_, [&] { return results.size() == 3; }));
  EXPECT_EQ(source_.calls(), 1u);
  for (const auto& r : results) {
    EXPECT_EQ(r.outcome, cache::Outcome::kMiss);
    EXPECT_EQ(r.entry, results.front().entry);
  }
  EXPECT_EQ(WorkerStats().misses, 3u);
}

TEST_F(ViewServiceTest, LoadPastTheRequestDeadlineIsATimeout) {
  service_->SetRequestTimeout(milliseconds(20));
  source_.Hold();
  std::optional<cache::ReadResult> result;
  boost::asio::co_spawn(ioc_, service_->Get(View::kWorkers, "", true),
                        [&](std::exception_ptr, cache::ReadResult r) { result = r; });
  ASSERT_TRUE(testing::RunUntil(ioc_, [&] { return result.has_value(); }));
  EXPECT_EQ(result->outcome, cache::Outcome::kError);
  // The wait's own deadline, as a portable timeout (the API answers 504 for any layer's).
  EXPECT_TRUE(result->error == boost::system::errc::timed_out) << result->error.message();
  source_.Release();
  ASSERT_TRUE(testing::RunUntil(ioc_, [&] { return source_.waiting() == 0; }));
  ioc_.restart();
  ioc_.run();  // the abandoned load still completes and stores its entry
  EXPECT_EQ(WorkerStats().sets, 1u);
}

TEST_F(ViewServiceTest, TaskViewsUseTheTaskCacheWithPerTaskKeys) {
  const cache::ReadResult a = testing::RunToCompletion(ioc_, service_->Get(View::kTask, "abc", true));
  EXPECT_EQ(a.entry->body, R"({"view":"task:abc","call":1})");
  testing::RunToCompletion(ioc_, service_->Get(View::kTask, "def", true));
  EXPECT_EQ(service_->CacheStats()[0].first, "task_status");
  EXPECT_EQ(service_->CacheStats()[0].second.size, 2u);
}

TEST_F(ViewServiceTest, InvalidateClearsOneOrAllCachesAndRejectsUnknownNames) {
  GetWorkers();
  testing::RunToCompletion(ioc_, service_->Get(View::kQueues, "", true));
  EXPECT_FALSE(service_->control().Invalidate(std::string_view("nope"), std::nullopt).has_value());
  auto one = service_->control().Invalidate(std::string_view("worker_status"), std::nullopt);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->at("worker_status"), 1u);
  auto all = service_->control().Invalidate(std::nullopt, std::nullopt);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), 5u);
  EXPECT_EQ(all->at("queue_status"), 1u);
  EXPECT_EQ(all->at("worker_status"), 0u);
}

TEST_F(ViewServiceTest, WarmUpLoadsTheDefaultViewsWithoutCountingRequests) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(5);
  EXPECT_TRUE(testing::RunToCompletion(ioc_, service_->WarmUp(deadline)));
  // workers, queues, summary and health awaited; tasks in the background (sources::kViews).
  EXPECT_EQ(source_.calls(), 5u);
  EXPECT_NE(service_->Latest(View::kTasks), nullptr);
  EXPECT_EQ(GetWorkers().outcome, cache::Outcome::kHit);
  EXPECT_EQ(WorkerStats().total_requests, 1u);
  source_.Fail(Errc::kUnavailable);
  service_->control().Invalidate(std::nullopt, std::nullopt);
  EXPECT_FALSE(testing::RunToCompletion(ioc_, service_->WarmUp(deadline)));
}

TEST_F(ViewServiceTest, EntriesCarryTheirTypedViewForMetrics) {
  const cache::ReadResult workers = GetWorkers();
  const auto* typed = TypedView<sources::WorkersView>(workers.entry.get());
  ASSERT_NE(typed, nullptr);
  EXPECT_EQ(typed->workers.at(0).hostname, "w1@host");
  EXPECT_EQ(TypedView<sources::QueuesView>(workers.entry.get()), nullptr) << "another view";
  EXPECT_EQ(service_->Latest(View::kWorkers), workers.entry);
  EXPECT_EQ(service_->Latest(View::kQueues), nullptr);
}

// Issue 16: a filtered answer is derived from the view's own entry, stored under its own key,
// counted as the view's read, and derived again once the view is collected again; it never
// costs a collection of its own.
TEST_F(ViewServiceTest, AFilteredAnswerIsDerivedFromTheViewAndFollowsIt) {
  sources::ViewFilter offline;
  offline.status = "offline";
  auto get = [&](const std::string& argument) {
    return testing::RunToCompletion(ioc_, service_->Get(View::kWorkers, argument, true));
  };
  const cache::ReadResult first = get(offline.Canonical());
  ASSERT_EQ(first.outcome, cache::Outcome::kMiss);
  const auto* typed = TypedView<sources::WorkersView>(first.entry.get());
  ASSERT_NE(typed, nullptr);
  ASSERT_EQ(typed->workers.size(), 1u);
  EXPECT_EQ(typed->workers[0].hostname, "w2@host");
  EXPECT_NE(first.entry->body.find(R"("matched":1)"), std::string::npos) << first.entry->body;
  EXPECT_EQ(first.entry->collected_at, service_->Latest(View::kWorkers)->collected_at);
  EXPECT_NE(first.entry->etag, service_->Latest(View::kWorkers)->etag);
  clock_.Advance(seconds(1));
  const cache::ReadResult again = get(offline.Canonical());
  EXPECT_EQ(again.outcome, cache::Outcome::kHit);
  EXPECT_EQ(again.entry, first.entry) << "stored once, not filtered per request";
  EXPECT_EQ(again.age, seconds(1));
  EXPECT_EQ(source_.calls(), 1u);
  EXPECT_EQ(WorkerStats().size, 2u);  // the view and its filtered answer
  EXPECT_EQ(WorkerStats().hits, 1u);
  EXPECT_EQ(WorkerStats().misses, 1u);

  clock_.Advance(seconds(4));  // past the ttl: the view is collected again
  const cache::ReadResult later = get(offline.Canonical());
  EXPECT_EQ(later.outcome, cache::Outcome::kMiss);
  EXPECT_EQ(source_.calls(), 2u);
  EXPECT_NE(later.entry, first.entry);
  EXPECT_EQ(later.entry->collected_at, service_->Latest(View::kWorkers)->collected_at);
  EXPECT_EQ(GetWorkers().outcome, cache::Outcome::kHit);
  EXPECT_EQ(source_.calls(), 2u);

  const cache::ReadResult bad = get("not a filter");
  EXPECT_EQ(bad.outcome, cache::Outcome::kError);
  EXPECT_EQ(bad.error, Errc::kInvalidArgument);
}

// Issue 11: an unchanged view keeps its ETag across refreshes, so If-None-Match keeps matching.
TEST_F(ViewServiceTest, EqualDataKeepsItsEtagAcrossARefresh) {
  source_.SetCallNumberIsTimestamp(true);
  const cache::ReadResult first = GetWorkers();
  clock_.Advance(seconds(5));  // past the ttl: the next read reloads
  const cache::ReadResult second = GetWorkers();
  ASSERT_EQ(second.outcome, cache::Outcome::kMiss);
  EXPECT_NE(second.entry->body, first.entry->body) << "the call number (timestamp) differs";
  EXPECT_EQ(second.entry->etag, first.entry->etag);
  EXPECT_TRUE(second.entry->etag.starts_with("W/\"")) << "weak: the bytes differ";
  source_.SetCallNumberIsTimestamp(false);
  clock_.Advance(seconds(5));
  EXPECT_NE(GetWorkers().entry->etag, first.entry->etag) << "other content, other ETag";
}

TEST_F(ViewServiceTest, InternalReadsFollowTheTtlButCountNothing) {
  auto internal = [&] {
    return testing::RunToCompletion(ioc_, service_->Get(View::kWorkers, "", true, cache::Reader::kInternal));
  };
  EXPECT_EQ(internal().outcome, cache::Outcome::kMiss);
  EXPECT_EQ(internal().outcome, cache::Outcome::kHit);
  clock_.Advance(seconds(5));
  EXPECT_EQ(internal().outcome, cache::Outcome::kMiss) << "past the ttl it waits for a load";
  EXPECT_EQ(source_.calls(), 2u);
  EXPECT_EQ(WorkerStats().total_requests, 0u);
  EXPECT_EQ(WorkerStats().hits + WorkerStats().misses + WorkerStats().stale, 0u);
}

}  // namespace
}  // namespace queuemon::api
