#include "cache/cache_stats.h"

#include "cache/internal/stats_counters.h"

namespace queuemon::cache::internal {

StatsCounters::Stripe& StatsCounters::Mine() {
  // One process-wide round-robin assignment: consecutive threads get different stripes, which
  // is what matters for a small io_context thread pool.
  static std::atomic<std::size_t> next_stripe{0};
  thread_local const std::size_t stripe =
      next_stripe.fetch_add(1, std::memory_order_relaxed) % kStripes;
  return stripes_[stripe];
}

void StatsCounters::CopyTo(CacheStats& out) const {
  out.hits = out.misses = out.stale = 0;
  for (const Stripe& s : stripes_) {
    out.hits += s.hits.load(std::memory_order_relaxed);
    out.misses += s.misses.load(std::memory_order_relaxed);
    out.stale += s.stale.load(std::memory_order_relaxed);
  }
  out.total_requests = out.hits + out.misses + out.stale;
  out.sets = sets_.load(std::memory_order_relaxed);
  out.evictions = evictions_.load(std::memory_order_relaxed);
  out.expirations = expirations_.load(std::memory_order_relaxed);
  out.invalidations = invalidations_.load(std::memory_order_relaxed);
}

}  // namespace queuemon::cache::internal
