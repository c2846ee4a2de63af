#pragma once
// TtlLruCache: one category's cache (e.g. "worker_status"): string key -> immutable Entry, with
// TTL, refresh-ahead, a stale window, an entry budget, an optional byte budget and exact stats.
//
// Thread-safety: every method may be called from any thread. Get/Peek/Stats take only the
// shared lock; a hit does not allocate and does not reorder anything (recency is an atomic
// per entry). Put/Erase/Clear/SweepExpired/SetOptions take the exclusive lock. No callback,
// I/O or serialization ever runs under a lock.
//
// Ownership: the cache owns its index; entries are shared with readers via shared_ptr, so an
// entry removed while a response is being written stays alive until the writer drops it.
//
// Freshness is evaluated against the cache's *current* options, so a reload that changes the
// ttl applies to entries already stored.
//
// Counting contract (keeps hits + misses + stale == total_requests exact):
//   Get() counts one hit when it returns kFresh or kFreshRefresh. For kStale and kMiss it
//   counts nothing; the caller resolves the request and then calls exactly one of
//   RecordMiss() (answered from a load, or failed) or RecordStale() (answered from the old
//   entry). A use_cache=false request calls RecordMiss() without calling Get().

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "cache/cache_options.h"
#include "cache/cache_stats.h"
#include "cache/clock.h"
#include "cache/entry.h"

namespace queuemon::cache {

enum class Freshness {
  kFresh,         // age < refresh_after: serve as HIT
  kFreshRefresh,  // refresh_after <= age < ttl: serve as HIT, start a background refresh
  kStale,         // ttl <= age < ttl + stale_for: reload; serve this only if the reload fails
  kMiss,          // no entry, or one past ttl + stale_for (dropped lazily)
};

struct Lookup {
  Freshness freshness = Freshness::kMiss;
  std::shared_ptr<const Entry> entry;  // null for kMiss
  Duration age{};                      // now - entry->collected_at (0 for kMiss)
  Duration ttl{};                      // the ttl in force at lookup (for Cache-Control max-age)
};

class TtlLruCache final {
 public:
  TtlLruCache(std::string name, CacheOptions options, const Clock& clock);
  ~TtlLruCache();
  TtlLruCache(const TtlLruCache&) = delete;
  TtlLruCache& operator=(const TtlLruCache&) = delete;

  const std::string& name() const { return name_; }

  // Looks `key` up, records the read for LRU, counts a hit when fresh (see contract above).
  Lookup Get(std::string_view key) const;
  // Looks `key` up without counting anything or touching recency.
  Lookup Peek(std::string_view key) const;
  void RecordMiss() const;
  void RecordStale() const;

  // Stores `entry` under `key`, replacing any entry; evicts least recently read entries until
  // the entry and byte budgets hold. An entry larger than max_bytes on its own is not stored.
  void Put(std::string_view key, std::shared_ptr<const Entry> entry);
  // Removes one key; true if it was there. Counted as an invalidation.
  bool Erase(std::string_view key);
  // Removes every entry; returns how many. Each is counted as an invalidation.
  std::size_t Clear();
  // Removes at most `max_batch` entries older than ttl + stale_for; returns how many.
  std::size_t SweepExpired(std::size_t max_batch);

  // Applies new options, keeping stored entries (evicting only if a budget shrank).
  void SetOptions(const CacheOptions& options);
  CacheOptions options() const;
  CacheStats Stats() const;

 private:
  struct Impl;
  const std::string name_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace queuemon::cache
