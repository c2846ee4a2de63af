// ReadThrough: the read policy over one category cache, and its counting contract
// (hits + misses + stale == requests, client reads only), on a ManualClock.
#include "cache/read_through.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "tests/testing/load_script.h"
#include "tests/testing/run_coroutine.h"

namespace queuemon::cache {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ReadThroughTest : public ::testing::Test {
 protected:
  ReadThroughTest() : cache_("worker_status", Options(), clock_, ioc_.get_executor()) {}

  static CacheOptions Options() {
    CacheOptions options;
    options.ttl = seconds(4);
    options.refresh_after = seconds(2);
    options.stale_for = seconds(10);
    return options;
  }

  // A loader that answers at once: an entry "<n>" for load n, or `error_` when set.
  Loader Instant() {
    return [this]() -> boost::asio::awaitable<LoadResult> {
      const int n = ++loads_;
      if (error_) co_return error_;
      co_return Entry::Make(std::to_string(n), clock_.Now());
    };
  }

  ReadResult Read(bool use_cache = true, Reader reader = Reader::kClient,
                  milliseconds wait = milliseconds(1000)) {
    return testing::RunToCompletion(ioc_, cache_.Read("workers", Instant(), use_cache, reader, wait));
  }

  boost::asio::io_context ioc_;
  base::ManualClock clock_;
  ReadThrough cache_;
  int loads_ = 0;
  boost::system::error_code error_;
};

TEST_F(ReadThroughTest, MissStoresThenFreshReadsHit) {
  const ReadResult miss = Read();
  ASSERT_EQ(miss.outcome, Outcome::kMiss);
  EXPECT_EQ(miss.entry->body, "1");
  clock_.Advance(seconds(1));
  const ReadResult hit = Read();
  ASSERT_EQ(hit.outcome, Outcome::kHit);
  EXPECT_EQ(hit.entry, miss.entry);
  EXPECT_EQ(hit.age, seconds(1));
  EXPECT_EQ(hit.ttl, seconds(4));
  const CacheStats stats = cache_.cache().Stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.stale, 0u);
  EXPECT_EQ(stats.total_requests, 2u);
  EXPECT_EQ(loads_, 1);
}

TEST_F(ReadThroughTest, PastRefreshAfterAHitStartsOneBackgroundLoad) {
  Read();
  clock_.Advance(seconds(3));
  EXPECT_EQ(Read().outcome, Outcome::kHit);
  ioc_.restart();
  ioc_.run();  // the background refresh
  EXPECT_EQ(loads_, 2);
  EXPECT_EQ(cache_.Latest("workers")->body, "2");
  EXPECT_EQ(cache_.cache().Stats().hits, 1u);
}

TEST_F(ReadThroughTest, AFailedLoadServesStaleUntilTtlPlusStaleForThenFails) {
  Read();
  error_ = make_error_code(boost::system::errc::connection_refused);
  clock_.Advance(seconds(5));  // past ttl, inside stale_for
  const ReadResult stale = Read();
  ASSERT_EQ(stale.outcome, Outcome::kStale);
  EXPECT_EQ(stale.entry->body, "1");
  clock_.Advance(seconds(10));  // past ttl + stale_for
  const ReadResult failed = Read();
  ASSERT_EQ(failed.outcome, Outcome::kError);
  EXPECT_EQ(failed.error, error_);
  EXPECT_FALSE(failed.bypassed_cache);
  const CacheStats stats = cache_.cache().Stats();
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.stale, 1u);
  EXPECT_EQ(stats.total_requests, 3u);
}

TEST_F(ReadThroughTest, ABypassNeverGetsStaleData) {
  Read();
  error_ = make_error_code(boost::system::errc::connection_refused);
  const ReadResult bypass = Read(/*use_cache=*/false);
  ASSERT_EQ(bypass.outcome, Outcome::kError);
  EXPECT_TRUE(bypass.bypassed_cache);
  EXPECT_EQ(cache_.cache().Stats().misses, 2u);
  EXPECT_EQ(cache_.cache().Stats().total_requests, 2u);
}

TEST_F(ReadThroughTest, InternalReadsFollowTheRulesButCountNothing) {
  EXPECT_EQ(Read(true, Reader::kInternal).outcome, Outcome::kMiss);
  EXPECT_EQ(Read(true, Reader::kInternal).outcome, Outcome::kHit);
  EXPECT_EQ(cache_.cache().Stats().total_requests, 0u);
  EXPECT_EQ(loads_, 1);
}

TEST_F(ReadThroughTest, ALoadPastTheWaitIsAPortableTimeout) {
  testing::LoadScript script(ioc_.get_executor());
  std::optional<ReadResult> result;
  boost::asio::co_spawn(
      ioc_, [&]() -> boost::asio::awaitable<void> {
        result = co_await cache_.Read("workers", script.MakeLoader(), true, Reader::kClient,
                                      milliseconds(20));
      },
      boost::asio::detached);
  ASSERT_TRUE(testing::RunUntil(ioc_, [&] { return result.has_value(); }));
  EXPECT_EQ(result->outcome, Outcome::kError);
  EXPECT_TRUE(result->error == boost::system::errc::timed_out) << result->error.message();
  EXPECT_EQ(cache_.cache().Stats().misses, 1u);
  script.Finish(0, LoadResult(Entry::Make(std::string("late"), clock_.Now())));
  ASSERT_TRUE(testing::RunUntil(ioc_, [&] { return cache_.Latest("workers") != nullptr; }));
  EXPECT_EQ(cache_.Latest("workers")->body, "late");  // the load still stores its result
}

// An entry restored from the state file (Entry::restored): the last known data, however young,
// is answered STALE at once, counted as stale, and the load that replaces it starts; readiness
// (Latest) does not take it for a collection.
TEST_F(ReadThroughTest, ARestoredEntryIsAnsweredStaleAtOnceWhileItsReplacementLoads) {
  EntryContent content;
  content.body = "restored";
  content.restored = true;
  cache_.cache().Put("workers", Entry::Make(std::move(content), clock_.Now() - seconds(1)));
  EXPECT_EQ(cache_.Latest("workers"), nullptr);
  const ReadResult first = Read();
  ASSERT_EQ(first.outcome, Outcome::kStale);
  EXPECT_EQ(first.entry->body, "restored");
  EXPECT_EQ(first.age, seconds(1));
  ioc_.restart();
  ioc_.run();  // the load it started
  EXPECT_EQ(loads_, 1);
  const ReadResult second = Read();
  ASSERT_EQ(second.outcome, Outcome::kHit);
  EXPECT_EQ(second.entry->body, "1");
  const CacheStats stats = cache_.cache().Stats();
  EXPECT_EQ(stats.stale, 1u);
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.total_requests, 2u);
}

// Renewed: the stored entry while younger than max_age, else one load for every caller.
TEST_F(ReadThroughTest, RenewedAnswersAYoungEntryAndLoadsOnceForAnOldOne) {
  Read();
  clock_.Advance(milliseconds(500));
  const auto deadline = std::chrono::steady_clock::now() + seconds(5);
  auto young = testing::RunToCompletion(ioc_, cache_.Renewed("workers", Instant(), seconds(1), deadline));
  ASSERT_NE(young, nullptr);
  EXPECT_EQ(young->body, "1");
  clock_.Advance(seconds(1));  // older than max_age, still fresh for readers
  auto renewed = testing::RunToCompletion(ioc_, cache_.Renewed("workers", Instant(), seconds(1), deadline));
  ASSERT_NE(renewed, nullptr);
  EXPECT_EQ(renewed->body, "2");
  EXPECT_EQ(cache_.Latest("workers")->body, "2") << "the load stored its entry";
  EXPECT_EQ(loads_, 2);
  EXPECT_EQ(cache_.cache().Stats().total_requests, 1u) << "renewals count nothing";
}

// Drops and refreshes: a change makes stored entries wrong, and a load already running may
// have read the state before the change.
class ReadThroughControlTest : public ReadThroughTest {
 protected:
  ReadThroughControlTest() : script_(ioc_.get_executor()) {}

  // Starts a client read of "workers" through the script's loader; `done` is set when it ends.
  void StartScriptedRead(ReadResult& out, bool& done) {
    boost::asio::co_spawn(ioc_, [&]() -> boost::asio::awaitable<void> {
      out = co_await cache_.Read("workers", script_.MakeLoader(), true, Reader::kClient, seconds(10));
      done = true;
    }, boost::asio::detached);
    ioc_.restart();
    ioc_.poll();
  }
  void Poll() {
    ioc_.restart();
    ioc_.poll();
  }
  // Finishes load n with an entry collected now.
  void Succeed(std::size_t n, std::string body) {
    script_.Finish(n, LoadResult(Entry::Make(std::move(body), clock_.Now())));
  }

  testing::LoadScript script_;
};

TEST_F(ReadThroughControlTest, ADropDuringALoadKeepsThatLoadFromStoringTheOldState) {
  ReadResult read;
  bool done = false;
  StartScriptedRead(read, done);
  ASSERT_EQ(script_.started(), 1u);
  EXPECT_FALSE(cache_.Drop("workers"));  // nothing stored yet, but the load is superseded
  Succeed(0, "before the change");
  Poll();
  ASSERT_TRUE(done);
  EXPECT_EQ(read.outcome, Outcome::kMiss);  // its reader asked before the change: answered
  EXPECT_EQ(read.entry->body, "before the change");
  EXPECT_EQ(cache_.Latest("workers"), nullptr);  // but not stored
  EXPECT_EQ(cache_.cache().Stats().sets, 0u);
  // The next load is not affected by the old drop.
  EXPECT_EQ(Read().outcome, Outcome::kMiss);
  EXPECT_NE(cache_.Latest("workers"), nullptr);
}

TEST_F(ReadThroughControlTest, AReaderAfterADropDoesNotJoinTheLoadFromBeforeIt) {
  ReadResult before, after;
  bool before_done = false, after_done = false;
  StartScriptedRead(before, before_done);
  ASSERT_EQ(script_.started(), 1u);
  cache_.Drop("workers");
  StartScriptedRead(after, after_done);
  ASSERT_EQ(script_.started(), 2u) << "a load of its own, not the one from before the drop";
  Succeed(0, "before the drop");
  Succeed(1, "after the drop");
  Poll();
  ASSERT_TRUE(before_done && after_done);
  EXPECT_EQ(before.entry->body, "before the drop");
  EXPECT_EQ(after.entry->body, "after the drop");
  EXPECT_EQ(cache_.Latest("workers")->body, "after the drop");
}

TEST_F(ReadThroughControlTest, StatsCountTheReadsWaitingForALoadUntilItEnds) {
  ReadResult first, second;
  bool first_done = false, second_done = false;
  EXPECT_EQ(cache_.Stats().waiting, 0u);
  StartScriptedRead(first, first_done);
  StartScriptedRead(second, second_done);
  EXPECT_EQ(cache_.Stats().waiting, 2u);
  Succeed(0, "loaded");
  Poll();
  ASSERT_TRUE(first_done && second_done);
  EXPECT_EQ(cache_.Stats().waiting, 0u);
  EXPECT_EQ(cache_.Stats().misses, 2u);  // the cache's own counters come along
  Read();                                // a hit never waits
  EXPECT_EQ(cache_.Stats().waiting, 0u);
}

TEST_F(ReadThroughControlTest, DropRemovesAStoredEntryAndCountsAnInvalidation) {
  Read();
  EXPECT_TRUE(cache_.Drop("workers"));
  EXPECT_FALSE(cache_.Drop("workers"));
  EXPECT_EQ(cache_.Latest("workers"), nullptr);
  EXPECT_EQ(cache_.cache().Stats().invalidations, 1u);
}

TEST_F(ReadThroughControlTest, DropMatchingAndDropAllSupersedeTheLoadsOfTheirKeys) {
  ReadResult read;
  bool done = false;
  StartScriptedRead(read, done);
  EXPECT_EQ(cache_.DropMatching("task:*"), 0u);  // another key: the load stays valid
  Succeed(0, "kept");
  Poll();
  ASSERT_TRUE(done);
  ASSERT_NE(cache_.Latest("workers"), nullptr);
  clock_.Advance(seconds(5));  // past ttl: the next read loads, the entry stays until it stores
  done = false;
  StartScriptedRead(read, done);
  ASSERT_EQ(script_.started(), 2u);
  EXPECT_EQ(cache_.DropMatching("work*"), 1u);  // the stale entry, and the running load
  Succeed(1, "superseded");
  Poll();
  ASSERT_TRUE(done);
  EXPECT_EQ(cache_.Latest("workers"), nullptr);
  done = false;
  StartScriptedRead(read, done);
  EXPECT_EQ(cache_.DropAll(), 0u);
  Succeed(2, "superseded too");
  Poll();
  ASSERT_TRUE(done);
  EXPECT_EQ(cache_.Latest("workers"), nullptr);
}

TEST_F(ReadThroughControlTest, RefreshStartsNowSupersedesTheRunningLoadAndServesTheOldEntry) {
  Read();  // "1" stored by the instant loader
  const auto old_entry = cache_.Latest("workers");
  // A refresh-ahead load is running: it may have read the state before the change ...
  clock_.Advance(seconds(3));
  ASSERT_TRUE(cache_.Prefetch("workers", script_.MakeLoader()));
  Poll();
  ASSERT_EQ(script_.started(), 1u);
  // ... so the refresh starts a load now, in its place.
  EXPECT_TRUE(cache_.Refresh("workers", script_.MakeLoader()));
  Poll();
  ASSERT_EQ(script_.started(), 2u);
  ReadResult meanwhile;
  bool done = false;
  boost::asio::co_spawn(ioc_, [&]() -> boost::asio::awaitable<void> {
    meanwhile = co_await cache_.Read("workers", Instant(), true, Reader::kClient, seconds(1));
    done = true;
  }, boost::asio::detached);
  Poll();
  ASSERT_TRUE(done);
  EXPECT_EQ(meanwhile.outcome, Outcome::kHit);  // readers keep the stored entry meanwhile
  EXPECT_EQ(meanwhile.entry, old_entry);
  Succeed(1, "read after the change");
  Poll();
  EXPECT_EQ(cache_.Latest("workers")->body, "read after the change");
  Succeed(0, "read before the change");  // finishing last, it must not overwrite
  Poll();
  EXPECT_EQ(cache_.Latest("workers")->body, "read after the change");
  EXPECT_FALSE(cache_.Refresh("workers", script_.MakeLoader())) << "nothing running now";
  Poll();
  Succeed(2, "idle refresh");
  Poll();
  EXPECT_EQ(cache_.Latest("workers")->body, "idle refresh");
}

}  // namespace
}  // namespace queuemon::cache
