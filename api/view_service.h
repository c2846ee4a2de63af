#pragma once
// ViewService: the views of ONE source, each read through its category's cache. It owns one
// cache::ReadThrough per category of the view table (sources/views.h) and answers "give me
// view V" with the read-through policy (HIT / refresh-ahead / single-flight MISS / STALE /
// error, counted by ReadThrough). Its loaders call Source::Collect and build an Entry
// (cache::Entry::Make) that carries the typed view too (TypedView, for /metrics and STATUS=),
// and a gzip form of a large body (SetGzipMinBytes), compressed there once per collection.
//
// Ownership: the source and the clock are borrowed, and loaders point at the ViewService
// itself: all three must outlive every load (loads run detached on `executor`; destroy the
// ViewService only after its io_context stopped running).
//
// Thread-safety: every method may be called from any thread concurrently.

#include <atomic>
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

#include "base/clock.h"
#include "cache/cache_options.h"
#include "cache/cache_stats.h"
#include "cache/entry.h"
#include "cache/read_through.h"
#include "sources/changes.h"
#include "sources/source.h"
#include "sources/typed_views.h"

namespace queuemon::snapshot {
struct Record;
}

namespace queuemon::api {

class CacheControl;
class Replica;

// The typed view an entry was built from (ViewService stores sources::ViewData in
// cache::Entry::data), or null when the entry is null or holds another view.
template <class T>
const T* TypedView(const cache::Entry* entry) {
  if (entry == nullptr || entry->data == nullptr) return nullptr;
  return std::get_if<T>(static_cast<const sources::ViewData*>(entry->data.get()));
}

class ViewService final {
 public:
  // `caches`: options by category name; a category without options gets the defaults.
  // `request_timeout` bounds how long a request waits for a load (then STALE or 504).
  ViewService(boost::asio::any_io_executor executor, sources::Source& source,
              const std::map<std::string, cache::CacheOptions>& caches,
              const base::Clock& clock, std::chrono::milliseconds request_timeout,
              sources::ChangeRules rules = sources::DefaultChangeRules());
  ~ViewService();
  ViewService(const ViewService&) = delete;
  ViewService& operator=(const ViewService&) = delete;

  // The source's configured name and kind.
  std::string_view source() const;
  std::string_view source_kind() const;
  sources::Source& data_source() const;

  // Answers one request for `view`. `argument` as sources::ViewRequest::argument, already
  // checked (REQUIRES: ValidTaskId for kTask; TaskQuery::Canonical() for kRecentTasks;
  // ViewFilter::Canonical() for kWorkers and kQueues, whose filtered answers are derived from
  // the view's own entry and stored under their own keys: see GetFiltered).
  boost::asio::awaitable<cache::ReadResult> Get(sources::View view, std::string argument,
                                                bool use_cache,
                                                cache::Reader reader = cache::Reader::kClient);

  // Starts a background load of `view` unless one is in flight. True if started. Counts nothing.
  bool Prefetch(sources::View view);
  // Prefetch unless the entry of `view` is younger than refresh_after. Lets a reader of several
  // views start their loads together before awaiting each with Get.
  void PrefetchUnlessFresh(sources::View view);

  // The stored entry of an aggregate view while it is younger than ttl + stale_for, else null.
  // Counts nothing and starts no load (readiness checks).
  std::shared_ptr<const cache::Entry> Latest(sources::View view) const;

  // Start-up warm-up: loads the views the table marks kAwaited or kBackground concurrently
  // (joining loads already in flight) and waits for the kAwaited ones until `deadline`. True
  // if all of those stored an entry.
  // Counts nothing. A broker that is down makes this return false at the deadline (or sooner,
  // when the loads fail); the daemon then starts not-ready and retries later.
  boost::asio::awaitable<bool> WarmUp(std::chrono::steady_clock::time_point deadline);

  // Starts a background load of every view the table warms (a source that came back).
  void Rewarm();

  // The operator's and the event stream's controls over these caches (warm, invalidate,
  // refresh on changes), with their counters. Listens to the source's changes from
  // construction on.
  CacheControl& control() { return *control_; }
  const CacheControl& control() const { return *control_; }

  // The primitives CacheControl works with. `category` indexes sources::kCategories.
  static std::optional<std::size_t> CategoryNamed(std::string_view name);
  static std::size_t CategoryOfView(sources::View view);
  // Refreshes every entry stored in the category with a load that starts now
  // (cache::ReadThrough::Refresh): readers keep the stored entries until the new ones land.
  struct Refreshed {
    std::size_t loads = 0;       // loads started
    std::size_t superseded = 0;  // of which replaced a load that was running
  };
  Refreshed RefreshStored(std::size_t category);
  // Starts a load of each view the table warms in the category and of each entry stored in
  // it, unless one is in flight. Returns key -> true if started, false if joined.
  std::vector<std::pair<std::string, bool>> WarmCategory(std::size_t category);
  // cache::ReadThrough::Drop / DropMatching / DropAll on one category.
  bool DropKey(std::size_t category, std::string_view key);
  std::size_t DropMatching(std::size_t category, std::string_view pattern);
  std::size_t DropAll(std::size_t category);

  // Applies new options to the caches (SIGHUP); stored entries stay.
  void SetCacheOptions(const std::map<std::string, cache::CacheOptions>& caches);
  void SetRequestTimeout(std::chrono::milliseconds request_timeout);
  // Entries stored from now on also keep a gzip form when their body has at least `bytes`
  // bytes (cache::EntryEncoding); 0 = never, which is the default until this is called (the
  // daemon passes http.gzip_min_bytes). Stored entries keep what they were made with.
  void SetGzipMinBytes(std::size_t bytes);
  // The encodings an entry stored now gets (read when a load starts, so a reload applies to
  // the next collection).
  cache::EntryEncoding Encoding() const;

  // Replicas (api/replica.h). From SetReplica on, every load goes through `replica`, which
  // collects here (CollectHere) only while it holds the source's collector lease, and
  // otherwise takes the entry the holder published. Set once, before the first load; the
  // replica must outlive every load. Null (the default): loads collect here.
  void SetReplica(Replica* replica);
  Replica* replica() const;
  // One collection of the view from the source, as an entry (what a load does without a replica).
  boost::asio::awaitable<cache::LoadResult> CollectHere(sources::View view,
                                                        std::string argument) const;
  // cache::ReadThrough::Renewed for a view (the holder answering the other replicas).
  boost::asio::awaitable<std::shared_ptr<const cache::Entry>> Renewed(
      sources::View view, std::string argument, base::Duration max_age,
      std::chrono::steady_clock::time_point deadline);
  // The options in force for the category that holds `view`.
  cache::CacheOptions OptionsOf(sources::View view) const;
  // The entry stored under `key`, restored or not, while younger than ttl + stale_for.
  std::shared_ptr<const cache::Entry> Stored(std::string_view key) const;
  // Stores the entry of a record made elsewhere (another replica; with `restored`, the state
  // file) under its key, unless the entry stored there was collected as late or later. True
  // if stored. Counts a set; a record whose key names no view, or older than its category's
  // ttl + stale_for, is not stored.
  bool Apply(const snapshot::Record& record, bool restored);
  // Every stored entry younger than ttl + stale_for, as records (the state file).
  std::vector<snapshot::Record> Export() const;

  // Runs SweepExpired(max_batch) on every cache; returns the total removed (for the sweeper).
  std::size_t SweepExpired(std::size_t max_batch);

  // name -> stats, in the order of sources::kCategories.
  std::vector<std::pair<std::string, cache::CacheStats>> CacheStats() const;
  const base::Clock& clock() const;

 private:
  cache::ReadThrough& CategoryOf(sources::View view) const;
  // A request for a filtered answer of a filterable view (sources/view_filter.h).
  static bool IsFiltered(sources::View view, std::string_view argument);
  boost::asio::awaitable<cache::ReadResult> GetFiltered(sources::View view, std::string argument,
                                                        bool use_cache, cache::Reader reader);
  // `fresh`: for a use_cache=false read (a replica then asks its holder for a collection
  // that starts after the request).
  cache::Loader LoaderOf(sources::View view, std::string argument, bool fresh = false) const;
  boost::asio::awaitable<cache::LoadResult> Load(sources::View view, std::string argument,
                                                 bool fresh) const;
  // The loader of a stored key (sources::ParseViewKey); null for a key no view names.
  cache::Loader LoaderOfKey(std::string_view key) const;

  boost::asio::any_io_executor executor_;
  sources::Source& source_;
  const base::Clock& clock_;
  std::atomic<std::int64_t> request_timeout_ms_{2000};
  std::atomic<std::size_t> gzip_min_bytes_{0};
  std::atomic<Replica*> replica_{nullptr};
  // One per sources::kCategories row, in that order; built in the constructor, never changed.
  std::vector<std::unique_ptr<cache::ReadThrough>> categories_;
  // Shared with the source's change listener, which holds it weakly.
  std::shared_ptr<CacheControl> control_;
};

}  // namespace queuemon::api
