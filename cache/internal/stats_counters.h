#pragma once
// StatsCounters: the cumulative counters behind CacheStats, as relaxed atomics.
//
// The per-request counters (hits, misses, stale) are striped: each thread adds to its own
// cache-line-sized stripe, so readers on different cores do not bounce one line on every hit.
// Every increment lands in exactly one stripe and a snapshot sums them, so the counts stay
// exact; total_requests is derived as hits + misses + stale in the snapshot, which makes
// `hits + misses + stale == total_requests` hold for every snapshot by construction.
//
// Thread-safety: all methods are thread-safe. A snapshot taken while requests are running is
// a consistent-enough sum (each counter monotonic); after they finish it is exact.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "cache/cache_stats.h"

namespace queuemon::cache::internal {

class StatsCounters final {
 public:
  void AddHit() { Mine().hits.fetch_add(1, std::memory_order_relaxed); }
  void AddMiss() { Mine().misses.fetch_add(1, std::memory_order_relaxed); }
  void AddStale() { Mine().stale.fetch_add(1, std::memory_order_relaxed); }
  void AddSets(std::uint64_t n) { sets_.fetch_add(n, std::memory_order_relaxed); }
  void AddEvictions(std::uint64_t n) { evictions_.fetch_add(n, std::memory_order_relaxed); }
  void AddExpirations(std::uint64_t n) { expirations_.fetch_add(n, std::memory_order_relaxed); }
  void AddInvalidations(std::uint64_t n) { invalidations_.fetch_add(n, std::memory_order_relaxed); }

  // Fills the cumulative fields of `out` (not size, max_size, bytes, max_bytes).
  void CopyTo(CacheStats& out) const;

 private:
  static constexpr std::size_t kStripes = 16;
  struct alignas(64) Stripe {
    std::atomic<std::uint64_t> hits{0};
    std::atomic<std::uint64_t> misses{0};
    std::atomic<std::uint64_t> stale{0};
  };
  // The calling thread's stripe; threads are assigned stripes round-robin on first use.
  Stripe& Mine();

  std::array<Stripe, kStripes> stripes_{};
  std::atomic<std::uint64_t> sets_{0};
  std::atomic<std::uint64_t> evictions_{0};
  std::atomic<std::uint64_t> expirations_{0};
  std::atomic<std::uint64_t> invalidations_{0};
};

}  // namespace queuemon::cache::internal
