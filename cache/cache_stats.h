#pragma once
// CacheStats: a snapshot of one category cache's counters.
// Relations that hold for every snapshot taken after all requests finished:
//   hits + misses + stale == total_requests
//   size <= max_size
// Counters are cumulative since start (or since ResetStats); size and bytes are current.

#include <cstdint>

namespace queuemon::cache {

struct CacheStats {
  std::uint64_t hits = 0;           // requests answered from a fresh entry
  std::uint64_t misses = 0;         // requests that had to wait for (or bypassed to) a load
  std::uint64_t stale = 0;          // requests answered from an expired entry after a failed load
  std::uint64_t total_requests = 0;
  std::uint64_t sets = 0;           // Put calls
  std::uint64_t evictions = 0;      // entries removed to respect max_entries / max_bytes
  std::uint64_t expirations = 0;    // entries removed past ttl + stale_for (sweep or lazily)
  std::uint64_t invalidations = 0;  // entries removed by Erase / Clear
  std::uint64_t size = 0;           // entries now
  std::uint64_t max_size = 0;       // max_entries
  std::uint64_t bytes = 0;          // bytes now (keys + bodies + etags, gzip ones included)
  std::uint64_t max_bytes = 0;      // 0 = no byte budget
  std::uint64_t waiting = 0;        // requests waiting for a load now (ReadThrough::Stats only)
};

}  // namespace queuemon::cache
