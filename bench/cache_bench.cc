// Micro-benchmarks of cache/: the hit path (1 and 2 threads, small and large key sets), a miss
// followed by an insert, inserts that evict under pressure, a full sweep of 100 000 expired
// entries, and Entry::Make (ETag hashing) of a 4 KiB body.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/coarse_clock.h"
#include "cache/entry.h"
#include "cache/ttl_lru_cache.h"
#include "tests/testing/numbered.h"

namespace queuemon::cache {
namespace {

using queuemon::testing::Numbered;

std::vector<std::string> MakeKeys(std::size_t n, const char* prefix = "task_status:") {
  std::vector<std::string> keys;
  keys.reserve(n);
  for (std::size_t i = 0; i < n; ++i) keys.push_back(Numbered(prefix, i));
  return keys;
}

CacheOptions LongLived(std::size_t max_entries) {
  CacheOptions o;
  o.ttl = std::chrono::hours(24);
  o.max_entries = max_entries;
  return o;
}

// A cache of `n` fresh entries (~1 KiB bodies), built once and shared by all benchmark threads.
struct FilledCache {
  explicit FilledCache(std::size_t n) : keys(MakeKeys(n)), cache("bench", LongLived(n), clock) {
    for (const auto& k : keys) cache.Put(k, Entry::Make(std::string(1024, 'x') + k, clock.Now()));
  }
  base::CoarseSteadyClock clock;  // what the daemon uses
  std::vector<std::string> keys;
  TtlLruCache cache;
};

FilledCache& Filled(std::size_t n) {
  if (n == 1'000) {
    static FilledCache small(1'000);
    return small;
  }
  static FilledCache large(100'000);
  return large;
}

void BM_GetHit(benchmark::State& state) {
  FilledCache& f = Filled(static_cast<std::size_t>(state.range(0)));
  const std::size_t n = f.keys.size();
  // Threads walk the key set with a stride coprime to n from different starting points.
  const std::size_t stride = 7919 % n;
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * (n / 2);
  for (auto _ : state) {
    Lookup l = f.cache.Get(f.keys[i]);
    benchmark::DoNotOptimize(l.entry.get());
    i += stride;
    if (i >= n) i -= n;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetHit)->Arg(1'000)->Arg(100'000)->Threads(1)->Threads(2)->UseRealTime();

// Each thread reads only its own share of the keys, so no entry's reference count is written
// by two cores: isolates the cache's own structures (lock stripes, counters, index).
void BM_GetHitDisjoint(benchmark::State& state) {
  FilledCache& f = Filled(static_cast<std::size_t>(state.range(0)));
  const std::size_t share = f.keys.size() / static_cast<std::size_t>(state.threads());
  const std::size_t base = static_cast<std::size_t>(state.thread_index()) * share;
  const std::size_t stride = 7919 % share;
  std::size_t i = 0;
  for (auto _ : state) {
    Lookup l = f.cache.Get(f.keys[base + i]);
    benchmark::DoNotOptimize(l.entry.get());
    i += stride;
    if (i >= share) i -= share;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetHitDisjoint)->Arg(1'000)->Threads(1)->Threads(2)->UseRealTime();

// Every thread reads the same key (one hot dashboard view): the entry's shared_ptr control
// block is written by every hit on every core, the worst case for scaling.
void BM_GetHitOneHotKey(benchmark::State& state) {
  FilledCache& f = Filled(1'000);
  for (auto _ : state) {
    Lookup l = f.cache.Get(f.keys[0]);
    benchmark::DoNotOptimize(l.entry.get());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetHitOneHotKey)->Threads(1)->Threads(2)->UseRealTime();

void BM_MissThenInsert(benchmark::State& state) {
  base::CoarseSteadyClock clock;
  constexpr std::size_t kKeys = 100'000;
  const auto keys = MakeKeys(kKeys);
  TtlLruCache cache("bench", LongLived(kKeys), clock);
  auto entry = Entry::Make(std::string(1024, 'x'), clock.Now());
  std::size_t i = 0;
  for (auto _ : state) {
    if (i == kKeys) {  // every key inserted once: start over with an empty cache
      state.PauseTiming();
      cache.Clear();
      i = 0;
      state.ResumeTiming();
    }
    Lookup l = cache.Get(keys[i]);
    benchmark::DoNotOptimize(l.entry.get());
    cache.RecordMiss();
    cache.Put(keys[i], entry);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MissThenInsert);

void BM_InsertEvicting(benchmark::State& state) {
  base::CoarseSteadyClock clock;
  const std::size_t capacity = static_cast<std::size_t>(state.range(0));
  const auto keys = MakeKeys(capacity * 2);  // twice the capacity: nearly every Put evicts
  TtlLruCache cache("bench", LongLived(capacity), clock);
  auto entry = Entry::Make(std::string(1024, 'x'), clock.Now());
  for (std::size_t k = 0; k < capacity; ++k) cache.Put(keys[k], entry);
  std::size_t i = capacity;
  for (auto _ : state) {
    cache.Put(keys[i], entry);
    if (++i == keys.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["evictions_per_put"] =
      static_cast<double>(cache.Stats().evictions) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_InsertEvicting)->Arg(100)->Arg(100'000);

void BM_Sweep100k(benchmark::State& state) {
  constexpr std::size_t kEntries = 100'000;
  const std::size_t batch = static_cast<std::size_t>(state.range(0));
  const auto keys = MakeKeys(kEntries);
  base::ManualClock clock;
  auto entry = Entry::Make(std::string(256, 'x'), clock.Now());
  CacheOptions o = LongLived(kEntries);
  o.ttl = std::chrono::seconds(1);
  o.stale_for = std::chrono::seconds(1);
  for (auto _ : state) {
    state.PauseTiming();
    auto cache = std::make_unique<TtlLruCache>("bench", o, clock);
    for (const auto& k : keys) cache->Put(k, entry);
    clock.Advance(std::chrono::hours(1));
    state.ResumeTiming();
    std::size_t removed = 0;
    while (std::size_t n = cache->SweepExpired(batch)) removed += n;
    benchmark::DoNotOptimize(removed);
    state.PauseTiming();
    cache.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kEntries);
}
BENCHMARK(BM_Sweep100k)->Arg(1'000)->Unit(benchmark::kMillisecond);

void BM_EntryMake4KiB(benchmark::State& state) {
  const std::string body(4096, 'j');
  const base::TimePoint now{};
  for (auto _ : state) benchmark::DoNotOptimize(Entry::Make(body, now));
  state.SetBytesProcessed(state.iterations() * 4096);
}
BENCHMARK(BM_EntryMake4KiB);

// The clocks themselves: the precise one costs most of a hit on this VM.
template <typename C>
void BM_ClockNow(benchmark::State& state) {
  C clock;
  const base::Clock& c = clock;
  for (auto _ : state) benchmark::DoNotOptimize(c.Now());
}
BENCHMARK(BM_ClockNow<base::SteadyClock>);
BENCHMARK(BM_ClockNow<base::CoarseSteadyClock>);

}  // namespace
}  // namespace queuemon::cache

BENCHMARK_MAIN();
