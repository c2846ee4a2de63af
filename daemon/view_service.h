#pragma once
// ViewService: the cache semantics of design.md for ONE source. It owns one TtlLruCache and one
// SingleFlight per category (task_status, worker_status, queue_status, metrics_summary,
// health_check) and answers "give me view V" with HIT / refresh-ahead / single-flight MISS /
// STALE / error, following the counting contract of cache/ttl_lru_cache.h exactly. Its loaders
// call Collector::Collect, build an Entry (cache::Entry::Make) that carries the typed view too
// (TypedView, for /metrics and STATUS=), and Put it.
//
// Ownership: the collector and the clock are borrowed and must outlive every load (loads run
// detached on `executor`; destroy the ViewService only after its io_context stopped running).
// The caches live in a shared state that detached loads keep alive.
//
// Thread-safety: every method may be called from any thread concurrently.

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "cache/cache_options.h"
#include "cache/cache_stats.h"
#include "cache/clock.h"
#include "cache/entry.h"
#include "collectors/collector.h"
#include "collectors/sample.h"

namespace queuemon::daemon {

enum class CacheOutcome { kHit, kMiss, kStale, kError };

struct ViewResult {
  CacheOutcome outcome = CacheOutcome::kError;
  std::shared_ptr<const cache::Entry> entry;  // set unless kError
  cache::Duration age{};   // now - entry->collected_at
  cache::Duration ttl{};   // the ttl in force (Cache-Control max-age = ttl - age)
  boost::system::error_code error;  // kError only: collectors::Errc (kTimeout -> 504) or other
  bool bypassed_cache = false;      // use_cache=false: a failure is never answered from cache
};

// Who reads: a client request counts in the cache's statistics; an internal read (the STATUS=
// line) follows the same freshness rules but counts nothing, so the statistics stay exactly
// what clients did.
enum class Reader { kClient, kInternal };

// The typed view an entry was built from (ViewService stores collectors::ViewData in
// cache::Entry::data), or null when the entry is null or holds another view.
template <class T>
const T* TypedView(const cache::Entry* entry) {
  if (entry == nullptr || entry->data == nullptr) return nullptr;
  return std::get_if<T>(static_cast<const collectors::ViewData*>(entry->data.get()));
}

// The category cache that serves `view` ("worker_status", ...).
std::string_view CacheNameOf(collectors::View view);

class ViewService final {
 public:
  // `caches` must hold options for every name in kCacheNames (missing ones get defaults).
  // `request_timeout` bounds how long a request waits for a load (then STALE or 504).
  ViewService(boost::asio::any_io_executor executor, collectors::Collector& collector,
              const std::map<std::string, cache::CacheOptions>& caches, const cache::Clock& clock,
              std::chrono::milliseconds request_timeout);
  ~ViewService();
  ViewService(const ViewService&) = delete;
  ViewService& operator=(const ViewService&) = delete;

  std::string_view source() const;
  collectors::Collector& collector() const;

  // Answers one request for `view` (task_id for kTask only; REQUIRES: ValidTaskId(task_id)).
  boost::asio::awaitable<ViewResult> Get(collectors::View view, std::string task_id,
                                         bool use_cache, Reader reader = Reader::kClient);

  // Starts a background load of `view` unless one is in flight (warm-up, refresh). True if
  // started. Does not count as a request.
  bool Prefetch(collectors::View view);
  // Prefetch unless the entry of `view` is younger than refresh_after. Lets a reader of several
  // views start their loads together before awaiting each with Get.
  void PrefetchUnlessFresh(collectors::View view);

  // The stored entry of an aggregate view while it is younger than ttl + stale_for, else null.
  // Counts nothing and starts no load (readiness checks).
  std::shared_ptr<const cache::Entry> Latest(collectors::View view) const;

  // Start-up warm-up: loads the workers, queues, summary and health views concurrently (joining
  // loads already in flight) and waits for them until `deadline`. True if all four stored an
  // entry. Counts no requests. A broker that is down makes this return false at the deadline
  // (or sooner, when the loads fail); the daemon then starts not-ready and retries later.
  boost::asio::awaitable<bool> WarmUp(std::chrono::steady_clock::time_point deadline);

  // Drops every entry of one cache (by name) or of all (nullopt). Returns name -> entries
  // removed; nullopt if `cache_name` is not a known cache.
  std::optional<std::map<std::string, std::size_t>> Invalidate(
      std::optional<std::string_view> cache_name);

  // Applies new options to the caches (SIGHUP); stored entries stay.
  void SetCacheOptions(const std::map<std::string, cache::CacheOptions>& caches);
  void SetRequestTimeout(std::chrono::milliseconds request_timeout);

  // Runs SweepExpired(max_batch) on every cache; returns the total removed (for the sweeper).
  std::size_t SweepExpired(std::size_t max_batch);

  // name -> stats, in kCacheNames order.
  std::vector<std::pair<std::string, cache::CacheStats>> CacheStats() const;
  const cache::Clock& clock() const;

  // Internal (shared with detached loads); public only so view_service.cc can name it.
  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace queuemon::daemon
