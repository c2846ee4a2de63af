// TtlLruCache: freshness edges, refresh-ahead, stale window, invalidation, sweeping, options
// and the counting contract. Time moves only through a base::ManualClock.
#include "cache/ttl_lru_cache.h"
#include "tests/testing/numbered.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace queuemon::cache {
namespace {

using queuemon::testing::Numbered;

using std::chrono::milliseconds;
using std::chrono::seconds;

CacheOptions Options(milliseconds ttl, milliseconds stale_for, std::size_t max_entries = 100) {
  CacheOptions o;
  o.ttl = ttl;
  o.stale_for = stale_for;
  o.max_entries = max_entries;
  return o;
}

class TtlLruCacheTest : public ::testing::Test {
 protected:
  void Store(std::string_view key, std::string body) {
    cache_.Put(key, Entry::Make(std::move(body), clock_.Now()));
  }

  base::ManualClock clock_;
  TtlLruCache cache_{"test", Options(seconds(10), seconds(30)), clock_};
};

TEST(EntryTest, EtagIsQuotedStableHexHashOfBody) {
  auto a = Entry::Make("{\"x\":1}", base::TimePoint{});
  auto b = Entry::Make("{\"x\":1}", base::TimePoint{} + seconds(5));
  auto c = Entry::Make("{\"x\":2}", base::TimePoint{});
  EXPECT_EQ(a->etag, b->etag);
  EXPECT_NE(a->etag, c->etag);
  ASSERT_EQ(a->etag.size(), 18u);
  EXPECT_EQ(a->etag.front(), '"');
  EXPECT_EQ(a->etag.back(), '"');
  EXPECT_EQ(a->etag.find_first_not_of("0123456789abcdef", 1), 17u);
  EXPECT_EQ(Entry::Make("", base::TimePoint{})->etag, "\"cbf29ce484222325\"");  // FNV-1a offset basis
}

TEST_F(TtlLruCacheTest, MissingKeyIsMissAndCountsNothing) {
  Lookup l = cache_.Get("absent");
  EXPECT_EQ(l.freshness, Freshness::kMiss);
  EXPECT_EQ(l.entry, nullptr);
  EXPECT_EQ(cache_.Stats().total_requests, 0u);
}

TEST_F(TtlLruCacheTest, FreshUntilRefreshAfterThenRefreshUntilTtl) {
  Store("k", "body");
  EXPECT_EQ(cache_.Get("k").freshness, Freshness::kFresh);
  clock_.Advance(milliseconds(4999));
  EXPECT_EQ(cache_.Get("k").freshness, Freshness::kFresh);
  clock_.Advance(milliseconds(1));  // age == refresh_after (ttl / 2) exactly
  Lookup l = cache_.Get("k");
  EXPECT_EQ(l.freshness, Freshness::kFreshRefresh);
  EXPECT_EQ(l.age, seconds(5));
  EXPECT_EQ(l.ttl, seconds(10));
  ASSERT_NE(l.entry, nullptr);
  EXPECT_EQ(l.entry->body, "body");
  EXPECT_EQ(cache_.Stats().hits, 3u);
}

TEST_F(TtlLruCacheTest, AgeExactlyTtlIsStaleNotFresh) {
  Store("k", "body");
  clock_.Advance(seconds(10) - milliseconds(1));
  EXPECT_EQ(cache_.Get("k").freshness, Freshness::kFreshRefresh);
  clock_.Advance(milliseconds(1));
  Lookup l = cache_.Get("k");
  EXPECT_EQ(l.freshness, Freshness::kStale);
  ASSERT_NE(l.entry, nullptr);
  EXPECT_EQ(cache_.Stats().hits, 1u);  // a stale lookup counts nothing by itself
}

TEST_F(TtlLruCacheTest, StaleWindowEndsExactlyAtTtlPlusStaleForAndGetDropsLazily) {
  Store("k", "body");
  clock_.Advance(seconds(40) - milliseconds(1));
  EXPECT_EQ(cache_.Get("k").freshness, Freshness::kStale);
  clock_.Advance(milliseconds(1));
  Lookup peeked = cache_.Peek("k");
  EXPECT_EQ(peeked.freshness, Freshness::kMiss);
  EXPECT_EQ(peeked.entry, nullptr);
  EXPECT_EQ(peeked.age, base::Duration::zero());
  EXPECT_EQ(cache_.Stats().size, 1u);  // Peek never drops
  Lookup l = cache_.Get("k");
  EXPECT_EQ(l.freshness, Freshness::kMiss);
  EXPECT_EQ(l.entry, nullptr);
  CacheStats s = cache_.Stats();
  EXPECT_EQ(s.size, 0u);
  EXPECT_EQ(s.expirations, 1u);
  EXPECT_EQ(s.bytes, 0u);
}

TEST_F(TtlLruCacheTest, ExplicitRefreshAfterIsHonoured) {
  CacheOptions o = Options(seconds(10), seconds(30));
  o.refresh_after = seconds(8);
  cache_.SetOptions(o);
  Store("k", "body");
  clock_.Advance(seconds(7));
  EXPECT_EQ(cache_.Get("k").freshness, Freshness::kFresh);
  clock_.Advance(seconds(1));
  EXPECT_EQ(cache_.Get("k").freshness, Freshness::kFreshRefresh);
}

TEST_F(TtlLruCacheTest, PeekCountsNothing) {
  Store("k", "body");
  EXPECT_EQ(cache_.Peek("k").freshness, Freshness::kFresh);
  EXPECT_EQ(cache_.Stats().total_requests, 0u);
}

TEST_F(TtlLruCacheTest, HitPathAcceptsStringViewIntoLargerBuffer) {
  Store("worker_status", "w");
  const std::string path = "/api/v1/x/worker_status?use_cache=true";
  std::string_view key = std::string_view(path).substr(10, 13);
  ASSERT_EQ(key, "worker_status");
  EXPECT_EQ(cache_.Get(key).freshness, Freshness::kFresh);
}

TEST_F(TtlLruCacheTest, PutReplacesEntryAndCountsSets) {
  Store("k", "old");
  clock_.Advance(seconds(12));
  Store("k", "newer");
  Lookup l = cache_.Get("k");
  EXPECT_EQ(l.freshness, Freshness::kFresh);
  EXPECT_EQ(l.entry->body, "newer");
  CacheStats s = cache_.Stats();
  EXPECT_EQ(s.sets, 2u);
  EXPECT_EQ(s.size, 1u);
  EXPECT_EQ(s.bytes, 1u + 5u + l.entry->etag.size());
}

TEST_F(TtlLruCacheTest, CountingContractKeepsTotalsExact) {
  Store("k", "body");
  cache_.Get("k");       // hit
  cache_.Get("absent");  // miss, resolved by a load:
  cache_.RecordMiss();
  clock_.Advance(seconds(11));
  ASSERT_EQ(cache_.Get("k").freshness, Freshness::kStale);
  cache_.RecordStale();  // the reload failed; the stale entry was served
  cache_.RecordMiss();   // a use_cache=false bypass
  CacheStats s = cache_.Stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 2u);
  EXPECT_EQ(s.stale, 1u);
  EXPECT_EQ(s.total_requests, 4u);
  EXPECT_EQ(s.hits + s.misses + s.stale, s.total_requests);
}

TEST_F(TtlLruCacheTest, EraseAndClearCountInvalidations) {
  Store("a", "1");
  Store("b", "2");
  Store("c", "3");
  EXPECT_TRUE(cache_.Erase("a"));
  EXPECT_FALSE(cache_.Erase("a"));
  EXPECT_EQ(cache_.Clear(), 2u);
  CacheStats s = cache_.Stats();
  EXPECT_EQ(s.invalidations, 3u);
  EXPECT_EQ(s.size, 0u);
  EXPECT_EQ(s.bytes, 0u);
  EXPECT_EQ(cache_.Get("b").freshness, Freshness::kMiss);
}

TEST_F(TtlLruCacheTest, EraseMatchingDropsTheKeysAGlobMatchesAndCountsThem) {
  for (const char* key : {"task:a1", "task:b2", "task:", "workers", "recent:[]", "xtask:a"}) {
    Store(key, "x");
  }
  EXPECT_EQ(cache_.EraseMatching("task:?*"), 2u);  // not "task:" itself (? needs a character)
  EXPECT_EQ(cache_.EraseMatching("nothing*"), 0u);
  EXPECT_EQ(cache_.EraseMatching("recent:\\[]"), 1u);  // a bracket escaped matches itself
  std::vector<std::string> keys = cache_.Keys();
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"task:", "workers", "xtask:a"}));
  EXPECT_EQ(cache_.EraseMatching("*"), 3u);
  const CacheStats s = cache_.Stats();
  EXPECT_EQ(s.invalidations, 6u);
  EXPECT_EQ(s.size, 0u);
  EXPECT_EQ(s.bytes, 0u);
}

TEST_F(TtlLruCacheTest, SweepRemovesOnlyEntriesPastTtlPlusStaleFor) {
  Store("old1", "x");
  Store("old2", "x");
  clock_.Advance(seconds(20));
  Store("young", "x");
  clock_.Advance(seconds(20));  // old*: age 40 s == ttl + stale_for; young: 20 s (stale)
  EXPECT_EQ(cache_.SweepExpired(100), 2u);
  CacheStats s = cache_.Stats();
  EXPECT_EQ(s.expirations, 2u);
  EXPECT_EQ(s.size, 1u);
  EXPECT_EQ(cache_.Peek("young").freshness, Freshness::kStale);
  EXPECT_EQ(cache_.SweepExpired(100), 0u);
}

TEST_F(TtlLruCacheTest, SweepWorksInBoundedBatches) {
  cache_.SetOptions(Options(seconds(10), seconds(30), 100'000));
  for (int i = 0; i < 10'000; ++i) Store(Numbered("k", static_cast<std::uint64_t>(i)), "x");
  clock_.Advance(seconds(20));
  for (int i = 0; i < 10; ++i) Store(Numbered("keep", static_cast<std::uint64_t>(i)), "x");
  clock_.Advance(seconds(20));
  std::size_t calls = 0;
  std::size_t total = 0;
  while (std::size_t removed = cache_.SweepExpired(1'000)) {
    EXPECT_LE(removed, 1'000u);
    total += removed;
    ++calls;
    ASSERT_LE(calls, 20u);
  }
  EXPECT_EQ(total, 10'000u);
  EXPECT_EQ(calls, 10u);
  CacheStats s = cache_.Stats();
  EXPECT_EQ(s.size, 10u);
  EXPECT_EQ(s.expirations, 10'000u);
}

TEST_F(TtlLruCacheTest, SetOptionsKeepsEntriesAndAppliesNewTtl) {
  Store("k", "body");
  clock_.Advance(seconds(12));
  ASSERT_EQ(cache_.Peek("k").freshness, Freshness::kStale);
  cache_.SetOptions(Options(seconds(60), seconds(30)));
  Lookup l = cache_.Get("k");
  EXPECT_EQ(l.freshness, Freshness::kFresh);
  EXPECT_EQ(l.ttl, seconds(60));
  EXPECT_EQ(cache_.options().ttl, seconds(60));
  EXPECT_EQ(cache_.Stats().size, 1u);
}

TEST_F(TtlLruCacheTest, SetOptionsShrinkEvictsLeastRecentlyRead) {
  for (int i = 0; i < 5; ++i) {
    Store(Numbered("k", static_cast<std::uint64_t>(i)), "x");
    clock_.Advance(milliseconds(1));
  }
  cache_.Get("k0");  // k0 is now the most recently read
  cache_.SetOptions(Options(seconds(10), seconds(30), 2));
  CacheStats s = cache_.Stats();
  EXPECT_EQ(s.size, 2u);
  EXPECT_EQ(s.max_size, 2u);
  EXPECT_EQ(s.evictions, 3u);
  EXPECT_NE(cache_.Peek("k0").entry, nullptr);
  EXPECT_NE(cache_.Peek("k4").entry, nullptr);
}

TEST_F(TtlLruCacheTest, ReaderKeepsEntryAliveAfterRemoval) {
  Store("k", "body");
  auto entry = cache_.Get("k").entry;
  cache_.Clear();
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->body, "body");
}

}  // namespace
}  // namespace queuemon::cache
