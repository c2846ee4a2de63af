#pragma once
// TtlLruCache: one category's cache (e.g. "worker_status"): string key -> immutable Entry, with
// TTL, refresh-ahead, a stale window, an entry budget, an optional byte budget and exact stats.
//
// Thread-safety: every method may be called from any thread. Get/Peek/Stats take only the
// shared lock; a hit does not allocate and does not reorder anything (recency is an atomic
// per entry). Put/Erase/Clear/SweepExpired/SetOptions take the exclusive lock. No callback,
// I/O or serialization ever runs under a lock.
//
// Locking: the "shared lock" is base::SharedMutex, a striped std::shared_mutex (each thread
// takes the shared side of its own stripe; writers take all stripes), so hits on different
// cores do not contend on one cache line.
//
// Eviction: least recently *read* first (a Put counts as a read; equal read times go to the
// entry put earliest). Exact up to 256 entries; above that Redis-style sampling: the least
// recently read of 16 random entries goes, so the victim is on average within the oldest ~6%,
// and with p = 0.99 within the oldest 25% (see internal/entry_index.h and the test bounding it).
// With base::CoarseSteadyClock recency has kernel-tick (1-4 ms) resolution.
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
#include <vector>

#include "cache/cache_options.h"
#include "cache/cache_stats.h"
#include "base/clock.h"
#include "cache/entry.h"

namespace queuemon::cache {

enum class Freshness {
  kFresh,         // age < refresh_after: serve as HIT
  kFreshRefresh,  // refresh_after <= age < ttl: serve as HIT, start a background refresh
  kStale,         // ttl <= age < ttl + stale_for: reload; serve this only if the reload fails
                  // (a restored entry, Entry::restored, is always kStale)
  kMiss,          // no entry, or one past ttl + stale_for (dropped lazily)
};

struct Lookup {
  Freshness freshness = Freshness::kMiss;
  std::shared_ptr<const Entry> entry;  // null for kMiss
  base::Duration age{};                      // now - entry->collected_at (0 for kMiss)
  base::Duration ttl{};                      // the ttl in force at lookup (for Cache-Control max-age)
};

class TtlLruCache final {
 public:
  TtlLruCache(std::string name, CacheOptions options, const base::Clock& clock);
  ~TtlLruCache();
  TtlLruCache(const TtlLruCache&) = delete;
  TtlLruCache& operator=(const TtlLruCache&) = delete;

  const std::string& name() const { return name_; }

  // Looks `key` up, records the read for LRU, counts a hit when fresh (see contract above).
  // An entry found past ttl + stale_for is dropped here (counted as an expiration): after
  // releasing the shared lock, Get briefly takes the exclusive one; this is the only case.
  Lookup Get(std::string_view key) const;
  // Looks `key` up without counting anything or touching recency.
  Lookup Peek(std::string_view key) const;
  // Looks `key` up and records the read for LRU, counting nothing: an entry read on behalf of
  // a request counted on another entry (a filtered answer, counted on its view's).
  Lookup Recall(std::string_view key) const;
  void RecordMiss() const;
  void RecordStale() const;

  // Stores `entry` under `key`, replacing any entry; evicts least recently read entries until
  // the entry and byte budgets hold. An entry larger than max_bytes on its own is not stored,
  // and the older entry under `key`, now superseded, is dropped (counted as an eviction).
  // Every call counts as a set; a null entry is ignored.
  void Put(std::string_view key, std::shared_ptr<const Entry> entry);
  // Removes one key; true if it was there. Counted as an invalidation.
  bool Erase(std::string_view key);
  // Removes every entry; returns how many. Each is counted as an invalidation.
  std::size_t Clear();
  // Removes every entry whose key matches the shell glob `pattern` (fnmatch(3) without flags:
  // `*`, `?`, `[...]`, `\` escapes; `*` also matches ':' and '/'); returns how many. Each is
  // counted as an invalidation. The work is bounded by the entry budget: it walks the index.
  std::size_t EraseMatching(std::string_view pattern);
  // Every stored key (fresh or not), in no particular order.
  std::vector<std::string> Keys() const;
  // Removes at most `max_batch` entries older than ttl + stale_for; returns how many. Each call
  // examines every entry at most once, starting where the previous call stopped, so a sweeper
  // calling it until it returns less than max_batch has visited everything.
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
