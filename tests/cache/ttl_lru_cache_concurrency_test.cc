// TtlLruCache under concurrent mixed traffic (run under TSan too): every read returns a
// consistent entry, stats stay exact and budgets hold in every snapshot.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cache/internal/entry_index.h"
#include "cache/ttl_lru_cache.h"
#include "tests/testing/numbered.h"

namespace queuemon::cache {
namespace {

using queuemon::testing::Numbered;

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kThreads = 4;
constexpr int kOpsPerThread = 50'000;
constexpr int kKeys = 300;

CacheOptions OptionsVariant(std::uint64_t v) {
  CacheOptions o;
  o.ttl = milliseconds(500 + 500 * static_cast<int>(v % 3));
  o.stale_for = seconds(2);
  o.max_entries = v % 2 == 0 ? 128 : 400;
  o.max_bytes = v % 4 == 3 ? 4'000 : 0;
  return o;
}

std::string KeyOf(std::uint64_t n) { return Numbered("key-", n % kKeys); }

// What one worker saw; summed and compared against the cache's own counters afterwards.
struct Tally {
  std::uint64_t hits = 0, misses = 0, stale = 0, sets = 0;
  std::uint64_t bad_entries = 0, bad_snapshots = 0;
};

class Worker {
 public:
  Worker(TtlLruCache& cache, base::ManualClock& clock, int id)
      : cache_(cache),
        clock_(clock),
        id_(id),
        rng_(0x1234567ULL * static_cast<std::uint64_t>(id + 1)) {}

  Tally Run() {
    for (int i = 0; i < kOpsPerThread; ++i) {
      if (id_ == 0 && i % 64 == 0) clock_.Advance(milliseconds(200));
      Step(Next());
    }
    return tally_;
  }

 private:
  void Step(std::uint64_t r) {
    const std::string key = KeyOf(r >> 16);
    const unsigned op = static_cast<unsigned>(r % 1000);
    if (op < 600) {
      Read(key);
    } else if (op < 700) {
      Store(key);
    } else if (op < 900) {
      Lookup l = cache_.Peek(key);
      CheckEntry(key, l);
    } else if (op < 950) {
      cache_.Erase(key);
    } else if (op < 970) {
      cache_.SweepExpired(8);
    } else if (op < 980) {
      cache_.SetOptions(OptionsVariant(r >> 32));
    } else if (op < 982) {
      cache_.Clear();
    } else {
      CacheStats s = cache_.Stats();
      if (s.size > s.max_size || (s.max_bytes != 0 && s.bytes > s.max_bytes) ||
          s.hits + s.misses + s.stale != s.total_requests) {
        ++tally_.bad_snapshots;
      }
    }
  }

  // A request as the daemon makes it, following the counting contract.
  void Read(const std::string& key) {
    Lookup l = cache_.Get(key);
    CheckEntry(key, l);
    switch (l.freshness) {
      case Freshness::kFresh:
      case Freshness::kFreshRefresh:
        ++tally_.hits;
        return;
      case Freshness::kStale:
        cache_.RecordStale();
        ++tally_.stale;
        return;
      case Freshness::kMiss:
        cache_.RecordMiss();
        ++tally_.misses;
        Store(key);
        return;
    }
  }

  void Store(const std::string& key) {
    cache_.Put(key, Entry::Make(key + Numbered("|", Next() % 1000), clock_.Now()));
    ++tally_.sets;
  }

  void CheckEntry(const std::string& key, const Lookup& l) {
    const bool has_entry = l.entry != nullptr;
    const bool ok = has_entry == (l.freshness != Freshness::kMiss) &&
                    (!has_entry || l.entry->body.rfind(key + "|", 0) == 0);
    if (!ok) ++tally_.bad_entries;
  }

  std::uint64_t Next() {  // xorshift64*
    rng_ ^= rng_ >> 12;
    rng_ ^= rng_ << 25;
    rng_ ^= rng_ >> 27;
    return rng_ * 0x2545F4914F6CDD1DULL;
  }

  TtlLruCache& cache_;
  base::ManualClock& clock_;
  const int id_;
  std::uint64_t rng_;
  Tally tally_;
};

TEST(TtlLruCacheConcurrencyTest, MixedTrafficKeepsStatsExactAndEntriesConsistent) {
  base::ManualClock clock;
  TtlLruCache cache("stress", OptionsVariant(0), clock);
  std::vector<Tally> tallies(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { tallies[t] = Worker(cache, clock, t).Run(); });
  }
  for (auto& th : threads) th.join();

  Tally sum;
  for (const Tally& t : tallies) {
    sum.hits += t.hits;
    sum.misses += t.misses;
    sum.stale += t.stale;
    sum.sets += t.sets;
    sum.bad_entries += t.bad_entries;
    sum.bad_snapshots += t.bad_snapshots;
  }
  EXPECT_EQ(sum.bad_entries, 0u);
  EXPECT_EQ(sum.bad_snapshots, 0u);
  CacheStats s = cache.Stats();
  EXPECT_EQ(s.hits, sum.hits);
  EXPECT_EQ(s.misses, sum.misses);
  EXPECT_EQ(s.stale, sum.stale);
  EXPECT_EQ(s.sets, sum.sets);
  EXPECT_EQ(s.hits + s.misses + s.stale, s.total_requests);
  EXPECT_GT(s.hits, 0u);
  EXPECT_GT(s.evictions + s.expirations + s.invalidations, 0u);
  EXPECT_LE(s.size, s.max_size);
  std::printf(
      "hits %llu misses %llu stale %llu sets %llu evictions %llu expirations %llu "
      "invalidations %llu\n",
      (unsigned long long)s.hits, (unsigned long long)s.misses, (unsigned long long)s.stale,
      (unsigned long long)s.sets, (unsigned long long)s.evictions,
      (unsigned long long)s.expirations, (unsigned long long)s.invalidations);

  // Make every stored entry visible to Peek, then recount entries and bytes from the outside.
  CacheOptions forever = cache.options();
  forever.ttl = std::chrono::hours(1000);
  cache.SetOptions(forever);
  std::uint64_t entries = 0, bytes = 0;
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = KeyOf(static_cast<std::uint64_t>(k));
    if (auto e = cache.Peek(key).entry) {
      ++entries;
      bytes += internal::EntryIndex::BytesOf(key, *e);
    }
  }
  s = cache.Stats();
  EXPECT_EQ(s.size, entries);
  EXPECT_EQ(s.bytes, bytes);
}

}  // namespace
}  // namespace queuemon::cache
