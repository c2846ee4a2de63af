#include "api/view_service.h"

#include <algorithm>
#include <utility>

#include "api/cache_control.h"
#include "api/entry_records.h"
#include "api/replica.h"
#include "sources/errors.h"
#include "sources/view_filter.h"
#include "snapshot/record.h"

namespace queuemon::api {
namespace {

using sources::View;

// A health view that finds its broker unreachable answers 503: load balancers and uptime
// checkers read the status line, not the body. Every other view answers 200.
std::uint16_t HttpStatusOf(const sources::ViewData& data) {
  const auto* health = std::get_if<sources::HealthView>(&data);
  return health != nullptr && !health->broker_reachable ? 503 : 200;
}

cache::EntryContent ContentOf(sources::Collected collected) {
  cache::EntryContent content;
  content.status = HttpStatusOf(collected.data);
  content.body = std::move(collected.body);
  content.identity = std::move(collected.identity);
  content.data = std::make_shared<const sources::ViewData>(std::move(collected.data));
  return content;
}

// A coroutine with by-value parameters, so its frame owns everything it touches; the loader
// lambda below only forwards to it (a lambda coroutine's captures would die with the lambda).
// The gzip form is compressed here, once per collection, on the thread that ran the load:
// about 2 ms for a 1000-worker view at level 6 (BENCHMARKS.md, issue 16), never on a HIT.
boost::asio::awaitable<cache::LoadResult> Collect(sources::Source* source,
                                                  const base::Clock* clock, View view,
                                                  std::string argument,
                                                  cache::EntryEncoding encoding) {
  boost::system::result<sources::Collected> collected =
      sources::MakeErrorCode(sources::Errc::kUnavailable);
  // A named request, not a temporary inside the co_await expression: g++ 12 mis-destroys
  // temporaries of class type there (double free).
  sources::ViewRequest request{view, argument};
  try {
    collected = co_await source->Collect(std::move(request));
  } catch (...) {
    // Sources return errors, but a loader must never throw into SingleFlight.
    collected = sources::MakeErrorCode(sources::Errc::kUnavailable);
  }
  if (!collected) co_return collected.error();
  co_return cache::Entry::Make(ContentOf(std::move(*collected)), clock->Now(), encoding);
}

// The filtered answer `argument` (a ViewFilter's canonical text) of `base`, collected when
// base was; null when base holds no typed view of a filterable kind.
std::shared_ptr<const cache::Entry> Derive(View view, const std::string& argument,
                                           const cache::Entry& base, cache::EntryEncoding encoding) {
  const std::optional<sources::ViewFilter> filter = sources::ViewFilterFromCanonical(argument);
  if (!filter) return nullptr;
  if (const auto* workers = TypedView<sources::WorkersView>(&base); workers && view == View::kWorkers) {
    return cache::Entry::Make(ContentOf(sources::MakeCollected(ApplyFilter(*filter, *workers))),
                              base.collected_at, encoding);
  }
  if (const auto* queues = TypedView<sources::QueuesView>(&base); queues && view == View::kQueues) {
    return cache::Entry::Make(ContentOf(sources::MakeCollected(ApplyFilter(*filter, *queues))),
                              base.collected_at, encoding);
  }
  return nullptr;
}

}  // namespace

ViewService::ViewService(boost::asio::any_io_executor executor, sources::Source& source,
                         const std::map<std::string, cache::CacheOptions>& caches,
                         const base::Clock& clock, std::chrono::milliseconds request_timeout,
                         sources::ChangeRules rules)
    : executor_(executor), source_(source), clock_(clock) {
  for (const sources::CategorySpec& category : sources::kCategories) {
    const std::string name(category.name);
    const auto it = caches.find(name);
    const cache::CacheOptions options = it == caches.end() ? cache::CacheOptions{} : it->second;
    categories_.push_back(std::make_unique<cache::ReadThrough>(name, options, clock, executor));
  }
  SetRequestTimeout(request_timeout);
  control_ = std::make_shared<CacheControl>(executor, *this, std::move(rules));
  std::weak_ptr<CacheControl> control = control_;
  source_.SetChangeListener([control](const sources::StateChange& change) {
    if (const auto c = control.lock()) c->OnChange(change);
  });
}

ViewService::~ViewService() = default;

std::string_view ViewService::source() const { return source_.Name(); }
std::string_view ViewService::source_kind() const { return source_.Kind(); }
sources::Source& ViewService::data_source() const { return source_; }
const base::Clock& ViewService::clock() const { return clock_; }

void ViewService::SetRequestTimeout(std::chrono::milliseconds request_timeout) {
  request_timeout_ms_.store(request_timeout.count(), std::memory_order_relaxed);
}

void ViewService::SetGzipMinBytes(std::size_t bytes) {
  gzip_min_bytes_.store(bytes, std::memory_order_relaxed);
}

// Read when a load starts, so that a reload applies to the next collection.
cache::EntryEncoding ViewService::Encoding() const {
  cache::EntryEncoding encoding;
  encoding.gzip_min_bytes = gzip_min_bytes_.load(std::memory_order_relaxed);
  return encoding;
}

cache::ReadThrough& ViewService::CategoryOf(View view) const {
  return *categories_[CategoryOfView(view)];
}

// Built for every read, HIT or not, so it must not allocate: a loader of an aggregate view
// captures a pointer and the view only, which std::function stores inline. Only a view with an
// argument (a task id, a filter) carries it.
cache::Loader ViewService::LoaderOf(View view, std::string argument, bool fresh) const {
  const ViewService* self = this;
  if (argument.empty()) {
    return [self, view, fresh] { return self->Load(view, {}, fresh); };
  }
  return [self, view, argument = std::move(argument), fresh] {
    return self->Load(view, argument, fresh);
  };
}

boost::asio::awaitable<cache::LoadResult> ViewService::Load(View view, std::string argument,
                                                            bool fresh) const {
  if (Replica* replica = replica_.load(std::memory_order_acquire)) {
    co_return co_await replica->Load(view, std::move(argument), fresh);
  }
  co_return co_await CollectHere(view, std::move(argument));
}

boost::asio::awaitable<cache::LoadResult> ViewService::CollectHere(View view,
                                                                   std::string argument) const {
  return Collect(&source_, &clock_, view, std::move(argument), Encoding());
}

void ViewService::SetReplica(Replica* replica) {
  replica_.store(replica, std::memory_order_release);
}

Replica* ViewService::replica() const { return replica_.load(std::memory_order_acquire); }

// Not a coroutine itself: the read is one coroutine frame, ReadThrough::Read's.
boost::asio::awaitable<cache::ReadResult> ViewService::Get(View view, std::string argument,
                                                           bool use_cache, cache::Reader reader) {
  if (IsFiltered(view, argument)) return GetFiltered(view, std::move(argument), use_cache, reader);
  std::string key = sources::ViewKey(view, argument);
  cache::Loader load = LoaderOf(view, std::move(argument), /*fresh=*/!use_cache);
  const std::chrono::milliseconds wait(request_timeout_ms_.load(std::memory_order_relaxed));
  return CategoryOf(view).Read(std::move(key), std::move(load), use_cache, reader, wait);
}

bool ViewService::IsFiltered(View view, std::string_view argument) {
  return !argument.empty() && sources::SpecOf(view).argument == sources::Argument::kViewFilter;
}

// A filtered answer is the view's own answer (read, counted and timed as the request's), with
// its entry replaced by the filtered one derived from it. Derived entries are stored under
// their own keys, so each filter is applied and serialized once per collection of the view,
// and are derived again once the view's entry is newer than the one they came from: they
// never show other data than the unfiltered view, and never cost a broker round of their own.
boost::asio::awaitable<cache::ReadResult> ViewService::GetFiltered(View view, std::string argument,
                                                                   bool use_cache,
                                                                   cache::Reader reader) {
  std::string unfiltered;  // named: g++ 12 mis-destroys temporaries inside co_await expressions
  cache::ReadResult result = co_await Get(view, std::move(unfiltered), use_cache, reader);
  if (result.outcome == cache::Outcome::kError || !result.entry) co_return result;
  cache::ReadThrough& category = CategoryOf(view);
  const std::string key = sources::ViewKey(view, argument);
  cache::Lookup found = category.cache().Recall(key);  // kept by its readers, not by the view's
  std::shared_ptr<const cache::Entry> derived =
      found.freshness == cache::Freshness::kMiss ? nullptr : std::move(found.entry);
  if (!derived || derived->collected_at != result.entry->collected_at) {
    derived = Derive(view, argument, *result.entry, Encoding());
    if (derived == nullptr) {
      result = cache::ReadResult{};
      result.error = sources::MakeErrorCode(sources::Errc::kInvalidArgument);
      co_return result;
    }
    category.cache().Put(key, derived);
  }
  result.entry = std::move(derived);
  co_return result;
}

bool ViewService::Prefetch(View view) {
  return CategoryOf(view).Prefetch(sources::ViewKey(view), LoaderOf(view, {}));
}

void ViewService::PrefetchUnlessFresh(View view) {
  CategoryOf(view).PrefetchUnlessFresh(sources::ViewKey(view), LoaderOf(view, {}));
}

boost::asio::awaitable<bool> ViewService::WarmUp(std::chrono::steady_clock::time_point deadline) {
  Rewarm();  // all in parallel
  bool all_loaded = true;
  for (const sources::ViewSpec& spec : sources::kViews) {
    if (spec.warm != sources::Warm::kAwaited) continue;
    cache::ReadThrough& category = CategoryOf(spec.view);
    const bool loaded =
        co_await category.Warm(sources::ViewKey(spec.view), LoaderOf(spec.view, {}), deadline);
    all_loaded = all_loaded && loaded;
  }
  co_return all_loaded;
}

void ViewService::Rewarm() {
  for (const sources::ViewSpec& spec : sources::kViews) {
    if (spec.warm != sources::Warm::kNo) Prefetch(spec.view);
  }
}

std::optional<std::size_t> ViewService::CategoryNamed(std::string_view name) {
  for (std::size_t i = 0; i < std::size(sources::kCategories); ++i) {
    if (sources::kCategories[i].name == name) return i;
  }
  return std::nullopt;
}

std::size_t ViewService::CategoryOfView(View view) {
  // Every view names a category of the table (views_test checks).
  return CategoryNamed(sources::SpecOf(view).category).value_or(0);
}

cache::Loader ViewService::LoaderOfKey(std::string_view key) const {
  std::optional<sources::KeyedView> keyed = sources::ParseViewKey(key);
  // A filtered answer has no load of its own: it follows its view (GetFiltered).
  if (!keyed || IsFiltered(keyed->view, keyed->argument)) return nullptr;
  return LoaderOf(keyed->view, std::move(keyed->argument));
}

ViewService::Refreshed ViewService::RefreshStored(std::size_t category) {
  Refreshed refreshed;
  cache::ReadThrough& cache = *categories_[category];
  for (std::string& key : cache.cache().Keys()) {
    cache::Loader load = LoaderOfKey(key);
    if (!load) continue;
    refreshed.superseded += cache.Refresh(std::move(key), std::move(load)) ? 1 : 0;
    ++refreshed.loads;
  }
  return refreshed;
}

std::vector<std::pair<std::string, bool>> ViewService::WarmCategory(std::size_t category) {
  cache::ReadThrough& cache = *categories_[category];
  std::vector<std::string> keys;
  for (const sources::ViewSpec& spec : sources::kViews) {
    if (spec.warm != sources::Warm::kNo && CategoryOfView(spec.view) == category) {
      keys.push_back(sources::ViewKey(spec.view));
    }
  }
  for (std::string& key : cache.cache().Keys()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
  }
  std::vector<std::pair<std::string, bool>> started;
  for (std::string& key : keys) {
    cache::Loader load = LoaderOfKey(key);
    if (!load) continue;
    const bool now = cache.Prefetch(key, std::move(load));
    started.emplace_back(std::move(key), now);
  }
  return started;
}

bool ViewService::DropKey(std::size_t category, std::string_view key) {
  return categories_[category]->Drop(key);
}

std::size_t ViewService::DropMatching(std::size_t category, std::string_view pattern) {
  return categories_[category]->DropMatching(pattern);
}

std::size_t ViewService::DropAll(std::size_t category) { return categories_[category]->DropAll(); }

void ViewService::SetCacheOptions(const std::map<std::string, cache::CacheOptions>& caches) {
  for (auto& category : categories_) {
    const auto it = caches.find(category->cache().name());
    if (it != caches.end()) category->cache().SetOptions(it->second);
  }
}

std::size_t ViewService::SweepExpired(std::size_t max_batch) {
  std::size_t removed = 0;
  for (auto& category : categories_) removed += category->cache().SweepExpired(max_batch);
  return removed;
}

std::vector<std::pair<std::string, cache::CacheStats>> ViewService::CacheStats() const {
  std::vector<std::pair<std::string, cache::CacheStats>> stats;
  for (const auto& category : categories_) {
    stats.emplace_back(category->cache().name(), category->Stats());
  }
  return stats;
}

std::shared_ptr<const cache::Entry> ViewService::Latest(View view) const {
  return CategoryOf(view).Latest(sources::ViewKey(view));
}

boost::asio::awaitable<std::shared_ptr<const cache::Entry>> ViewService::Renewed(
    View view, std::string argument, base::Duration max_age,
    std::chrono::steady_clock::time_point deadline) {
  std::string key = sources::ViewKey(view, argument);
  cache::Loader load = LoaderOf(view, std::move(argument));
  return CategoryOf(view).Renewed(std::move(key), std::move(load), max_age, deadline);
}

cache::CacheOptions ViewService::OptionsOf(View view) const {
  return CategoryOf(view).cache().options();
}

std::shared_ptr<const cache::Entry> ViewService::Stored(std::string_view key) const {
  const std::optional<sources::KeyedView> keyed = sources::ParseViewKey(key);
  if (!keyed) return nullptr;
  return CategoryOf(keyed->view).cache().Peek(key).entry;
}

bool ViewService::Apply(const snapshot::Record& record, bool restored) {
  const std::optional<sources::KeyedView> keyed = sources::ParseViewKey(record.key);
  if (!keyed) return false;
  cache::TtlLruCache& cache = CategoryOf(keyed->view).cache();
  const cache::CacheOptions options = cache.options();
  const std::chrono::duration<double> keep = options.ttl + options.stale_for;
  if (base::UnixNow() - record.collected_unix >= keep.count()) return false;
  const std::shared_ptr<const cache::Entry> stored = cache.Peek(record.key).entry;
  // Within a millisecond: the same collection, announced twice (a reply and the store).
  if (stored && !stored->restored && UnixTimeOf(stored->collected_at, clock_) >= record.collected_unix - 1e-3) {
    return false;
  }
  std::shared_ptr<const cache::Entry> entry = EntryOf(record, clock_, Encoding(), restored);
  if (!entry) return false;
  cache.Put(record.key, std::move(entry));
  return true;
}

std::vector<snapshot::Record> ViewService::Export() const {
  std::vector<snapshot::Record> records;
  for (const auto& category : categories_) {
    for (const std::string& key : category->cache().Keys()) {
      const cache::Lookup found = category->cache().Peek(key);
      if (found.freshness == cache::Freshness::kMiss || !found.entry) continue;
      records.push_back(RecordOf(source(), category->cache().name(), key, *found.entry, clock_));
    }
  }
  return records;
}

}  // namespace queuemon::api
