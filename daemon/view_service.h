#pragma once
// ViewService: the cache semantics of design.md for ONE source. It owns one TtlLruCache and one
// SingleFlight per category (task_status, worker_status, queue_status, metrics_summary,
// health_check) and answers "give me view V" with HIT / refresh-ahead / single-flight MISS /
// STALE / error, following the counting contract of cache/ttl_lru_cache.h exactly. Its loaders
// call Collector::Collect, build an Entry (cache::Entry::Make), Put it, and remember the typed
// snapshot of the workers / queues / summary / health views for /metrics.
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
};

// The latest typed data of each aggregate view (null until first collected), for /metrics.
struct ViewSnapshots {
  std::shared_ptr<const collectors::WorkersView> workers;
  std::shared_ptr<const collectors::QueuesView> queues;
  std::shared_ptr<const collectors::SummaryView> summary;
  std::shared_ptr<const collectors::HealthView> health;
  cache::TimePoint workers_at{}, queues_at{}, summary_at{}, health_at{};  // collected_at
};

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
                                         bool use_cache);

  // Starts a background load of `view` unless one is in flight (warm-up, refresh). True if
  // started. Does not count as a request.
  bool Prefetch(collectors::View view);

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
  ViewSnapshots Snapshots() const;
  const cache::Clock& clock() const;

  // Internal (shared with detached loads); public only so view_service.cc can name it.
  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace queuemon::daemon
