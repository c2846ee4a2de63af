#pragma once
// ReadThrough: one category cache (a TtlLruCache) with its single-flight loads (a SingleFlight)
// and the read policy of design.md over them. A read is answered
//   HIT    from a fresh entry (past refresh_after it also starts the one background refresh),
//   MISS   from the one shared load, waited for at most `wait`,
//   STALE  from an entry younger than ttl + stale_for when that load fails or is late,
//   error  otherwise: the load's error, or boost::system::errc::timed_out.
// A restored entry (Entry::restored, the state file's) is answered STALE at once while the
// load that replaces it runs. A use_cache=false read (bypass) only joins a load that starts
// after it arrived, and never gets stale data. ReadThrough alone keeps TtlLruCache's counting contract
// (hits + misses + stale == requests), so its callers count nothing.
//
// Loaders produce an entry (their own I/O); ReadThrough stores it under the key. Loads run
// detached on the executor and keep the cache alive while they run, so a ReadThrough may be
// destroyed with loads in flight (their results are then dropped with the cache).
//
// Thread-safety: every method may be called from any thread concurrently.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "base/clock.h"
#include "cache/cache_options.h"
#include "cache/entry.h"
#include "cache/single_flight.h"
#include "cache/ttl_lru_cache.h"

namespace queuemon::cache {

enum class Outcome { kHit, kMiss, kStale, kError };

// Who reads: a client request counts in the cache's statistics; an internal read (the STATUS=
// line, readiness) follows the same freshness rules but counts nothing, so the statistics stay
// exactly what clients did.
enum class Reader { kClient, kInternal };

struct ReadResult {
  Outcome outcome = Outcome::kError;
  std::shared_ptr<const Entry> entry;  // set unless kError
  base::Duration age{};                // now - entry->collected_at
  base::Duration ttl{};                // the ttl in force (Cache-Control max-age = ttl - age)
  boost::system::error_code error;     // kError only
  bool bypassed_cache = false;         // use_cache=false: a failure is never answered from cache
};

class ReadThrough final {
 public:
  ReadThrough(std::string name, CacheOptions options, const base::Clock& clock,
              boost::asio::any_io_executor executor);
  ~ReadThrough();
  ReadThrough(const ReadThrough&) = delete;
  ReadThrough& operator=(const ReadThrough&) = delete;

  // Answers one read of `key` (see the class comment). `load` is used only if a load starts.
  boost::asio::awaitable<ReadResult> Read(std::string key, Loader load, bool use_cache,
                                          Reader reader, std::chrono::milliseconds wait);

  // Starts a background load of `key` unless one is in flight. True if started. Counts nothing.
  bool Prefetch(std::string key, Loader load);
  // Prefetch unless the entry of `key` is younger than refresh_after.
  void PrefetchUnlessFresh(std::string key, Loader load);
  // Waits until `key` holds a fresh entry, joining the load in flight or starting one, until
  // `deadline`. True if an entry was stored. Counts nothing (start-up warm-up).
  boost::asio::awaitable<bool> Warm(std::string key, Loader load,
                                    std::chrono::steady_clock::time_point deadline);
  // The stored entry of `key` while it is younger than ttl + stale_for, else null; null for
  // a restored entry too (Entry::restored: not this process's collection). Counts nothing and
  // starts no load.
  std::shared_ptr<const Entry> Latest(std::string_view key) const;
  // The stored entry of `key` if it is younger than `max_age` (and not restored); else the
  // result of the load in flight, or of one started now, waited for until `deadline`; null if
  // that fails or is late. Counts nothing. For a replica that holds the collector lease and is
  // asked by the others to renew a view: however many ask at once, one load runs.
  boost::asio::awaitable<std::shared_ptr<const Entry>> Renewed(
      std::string key, Loader load, base::Duration max_age,
      std::chrono::steady_clock::time_point deadline);

  // Refreshes `key` with a load that starts now (a change made the stored entry wrong). A
  // load already running may have read the state before the change: it still answers its
  // waiters, but does not store, and later readers join the new load. Readers of the stored
  // entry keep getting it until the new one is stored. Counts nothing but the Put. True if it
  // superseded a running load.
  bool Refresh(std::string key, Loader load);

  // Drop `key`, the keys matching `pattern` (TtlLruCache::EraseMatching), or every key. A load
  // of a dropped key that is running still answers its waiters but does not store its result:
  // it may have read the state from before the drop. Return the entries removed (each counted
  // as an invalidation).
  bool Drop(std::string_view key);
  std::size_t DropMatching(std::string_view pattern);
  std::size_t DropAll();

  // The cache's counters, with the requests waiting for a load now.
  CacheStats Stats() const;

  // The cache itself, for what is not a read: Clear, SetOptions, SweepExpired, Stats.
  TtlLruCache& cache();
  const TtlLruCache& cache() const;

  // Internal (shared with detached loads); public only so read_through.cc can name it.
  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace queuemon::cache
