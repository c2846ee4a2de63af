#include "daemon/view_service.h"

#include <atomic>
#include <mutex>
#include <type_traits>
#include <utility>
#include <variant>

#include "cache/single_flight.h"
#include "cache/ttl_lru_cache.h"
#include "collectors/errors.h"
#include "daemon/config.h"

namespace queuemon::daemon {

using collectors::View;

std::string_view CacheNameOf(View view) {
  switch (view) {
    case View::kTasks:
    case View::kTask: return "task_status";
    case View::kWorkers: return "worker_status";
    case View::kQueues: return "queue_status";
    case View::kSummary: return "metrics_summary";
    case View::kHealth: return "health_check";
  }
  return "health_check";
}

struct ViewService::State {
  struct Category {
    std::unique_ptr<cache::TtlLruCache> cache;
    std::unique_ptr<cache::SingleFlight> flight;
  };

  State(boost::asio::any_io_executor ex, collectors::Collector& c, const cache::Clock& clk)
      : executor(std::move(ex)), collector(c), clock(clk) {}

  Category& CategoryOf(View view) { return categories.find(CacheNameOf(view))->second; }

  boost::asio::any_io_executor executor;
  collectors::Collector& collector;
  const cache::Clock& clock;
  std::atomic<std::int64_t> request_timeout_ms{2000};
  // Built in the constructor and never changed afterwards, so lookups need no lock.
  std::map<std::string, Category, std::less<>> categories;
};

namespace {

using State = ViewService::State;

// A health view that finds its broker unreachable answers 503: load balancers and uptime
// checkers read the status line, not the body. Every other view answers 200.
std::uint16_t HttpStatusOf(const collectors::ViewData& data) {
  const auto* health = std::get_if<collectors::HealthView>(&data);
  return health != nullptr && !health->broker_reachable ? 503 : 200;
}

cache::EntryContent ContentOf(collectors::Snapshot snapshot) {
  cache::EntryContent content;
  content.status = HttpStatusOf(snapshot.data);
  content.body = std::move(snapshot.body);
  content.identity = std::move(snapshot.identity);
  content.data = std::make_shared<const collectors::ViewData>(std::move(snapshot.data));
  return content;
}

// A coroutine with by-value parameters, so its frame owns everything it touches; the loader
// lambdas below only forward to it (a lambda coroutine's captures would die with the lambda).
boost::asio::awaitable<cache::LoadResult> LoadView(std::shared_ptr<State> state, View view,
                                                   std::string task_id, std::string key) {
  boost::system::result<collectors::Snapshot> snapshot =
      collectors::MakeErrorCode(collectors::Errc::kUnavailable);
  // A named request, not a temporary inside the co_await expression: g++ 12 mis-destroys
  // temporaries of class type there (double free).
  collectors::ViewRequest request{view, task_id};
  try {
    snapshot = co_await state->collector.Collect(std::move(request));
  } catch (...) {
    // Collectors return errors, but a loader must never throw into SingleFlight.
    snapshot = collectors::MakeErrorCode(collectors::Errc::kUnavailable);
  }
  if (!snapshot) co_return snapshot.error();
  auto entry = cache::Entry::Make(ContentOf(std::move(*snapshot)), state->clock.Now());
  state->CategoryOf(view).cache->Put(key, entry);
  co_return entry;
}

cache::Loader MakeLoader(std::shared_ptr<State> state, View view, std::string task_id,
                         std::string key) {
  return [state = std::move(state), view, task_id = std::move(task_id), key = std::move(key)] {
    return LoadView(state, view, task_id, key);
  };
}

ViewResult Answer(CacheOutcome outcome, std::shared_ptr<const cache::Entry> entry,
                  const cache::Clock& clock, cache::Duration ttl) {
  ViewResult result;
  result.outcome = outcome;
  result.age = std::max(cache::Duration::zero(), clock.Now() - entry->collected_at);
  result.entry = std::move(entry);
  result.ttl = ttl;
  return result;
}

ViewResult Failure(boost::system::error_code error, cache::Duration ttl) {
  ViewResult result;
  result.outcome = CacheOutcome::kError;
  result.error = error;
  result.ttl = ttl;
  return result;
}

}  // namespace

ViewService::ViewService(boost::asio::any_io_executor executor, collectors::Collector& collector,
                         const std::map<std::string, cache::CacheOptions>& caches,
                         const cache::Clock& clock, std::chrono::milliseconds request_timeout)
    : state_(std::make_shared<State>(executor, collector, clock)) {
  for (const char* name : kCacheNames) {
    const auto it = caches.find(name);
    const cache::CacheOptions options = it == caches.end() ? cache::CacheOptions{} : it->second;
    State::Category category{std::make_unique<cache::TtlLruCache>(name, options, clock),
                             std::make_unique<cache::SingleFlight>(executor)};
    state_->categories.emplace(name, std::move(category));
  }
  SetRequestTimeout(request_timeout);
}

ViewService::~ViewService() = default;

std::string_view ViewService::source() const { return state_->collector.Name(); }
collectors::Collector& ViewService::collector() const { return state_->collector; }
const cache::Clock& ViewService::clock() const { return state_->clock; }

void ViewService::SetRequestTimeout(std::chrono::milliseconds request_timeout) {
  state_->request_timeout_ms.store(request_timeout.count(), std::memory_order_relaxed);
}

boost::asio::awaitable<ViewResult> ViewService::Get(View view, std::string task_id,
                                                    bool use_cache, Reader reader) {
  std::shared_ptr<State> state = state_;
  State::Category& category = state->CategoryOf(view);
  std::string key = collectors::ViewKey(view, task_id);
  cache::Lookup lookup;
  if (use_cache) {
    lookup = reader == Reader::kClient ? category.cache->Get(key) : category.cache->Peek(key);
    if (lookup.freshness == cache::Freshness::kFreshRefresh) {
      category.flight->StartIfIdle(key, MakeLoader(state, view, task_id, key));
    }
    if (lookup.freshness == cache::Freshness::kFresh ||
        lookup.freshness == cache::Freshness::kFreshRefresh) {
      ViewResult hit;
      hit.outcome = CacheOutcome::kHit;
      hit.age = std::max(cache::Duration::zero(), lookup.age);
      hit.ttl = lookup.ttl;
      hit.entry = std::move(lookup.entry);
      co_return hit;
    }
  }
  // Miss, expired, or bypass: wait for the shared load. A bypass only joins a load that
  // starts after it arrived, so its data is fresh, and it never gets stale data on failure.
  // (The deadline is read only here: a clock read is a measurable part of a hit.)
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(state->request_timeout_ms.load());
  const auto join = use_cache ? cache::SingleFlight::Join::kAny
                              : cache::SingleFlight::Join::kStartedAfterNow;
  cache::Loader loader = MakeLoader(state, view, task_id, key);
  std::optional<cache::LoadResult> loaded =
      co_await category.flight->Do(key, join, deadline, std::move(loader));
  const cache::Duration ttl = category.cache->options().ttl;
  if (loaded && loaded->has_value()) {
    if (reader == Reader::kClient) category.cache->RecordMiss();
    co_return Answer(CacheOutcome::kMiss, loaded->value(), state->clock, ttl);
  }
  if (use_cache && lookup.entry) {
    // Serve the newest entry still inside ttl + stale_for (Peek drops nothing, counts nothing).
    cache::Lookup current = category.cache->Peek(key);
    if (current.freshness != cache::Freshness::kMiss && current.entry) {
      if (reader == Reader::kClient) category.cache->RecordStale();
      co_return Answer(CacheOutcome::kStale, std::move(current.entry), state->clock, ttl);
    }
  }
  if (reader == Reader::kClient) category.cache->RecordMiss();
  ViewResult failure = Failure(
      loaded ? loaded->error() : collectors::MakeErrorCode(collectors::Errc::kTimeout), ttl);
  failure.bypassed_cache = !use_cache;
  co_return failure;
}

void ViewService::PrefetchUnlessFresh(View view) {
  const cache::Freshness freshness =
      state_->CategoryOf(view).cache->Peek(collectors::ViewKey(view)).freshness;
  if (freshness != cache::Freshness::kFresh) Prefetch(view);
}

bool ViewService::Prefetch(View view) {
  std::string key = collectors::ViewKey(view);
  return state_->CategoryOf(view).flight->StartIfIdle(key, MakeLoader(state_, view, {}, key));
}

boost::asio::awaitable<bool> ViewService::WarmUp(std::chrono::steady_clock::time_point deadline) {
  static constexpr View kWarmViews[] = {View::kWorkers, View::kQueues, View::kSummary,
                                        View::kHealth};
  for (View view : kWarmViews) Prefetch(view);  // all four in parallel
  bool all_loaded = true;
  for (View view : kWarmViews) {
    std::string key = collectors::ViewKey(view);
    State::Category& category = state_->CategoryOf(view);
    // While we waited for an earlier view, this one's prefetch may have finished already.
    const cache::Freshness now = category.cache->Peek(key).freshness;
    if (now == cache::Freshness::kFresh || now == cache::Freshness::kFreshRefresh) continue;
    cache::Loader loader = MakeLoader(state_, view, {}, key);
    auto& flight = *category.flight;
    std::optional<cache::LoadResult> loaded =
        co_await flight.Do(key, cache::SingleFlight::Join::kAny, deadline, std::move(loader));
    all_loaded = all_loaded && loaded && loaded->has_value();
  }
  co_return all_loaded;
}

std::optional<std::map<std::string, std::size_t>> ViewService::Invalidate(
    std::optional<std::string_view> cache_name) {
  std::map<std::string, std::size_t> removed;
  if (cache_name) {
    const auto it = state_->categories.find(*cache_name);
    if (it == state_->categories.end()) return std::nullopt;
    removed[it->first] = it->second.cache->Clear();
    return removed;
  }
  for (auto& [name, category] : state_->categories) removed[name] = category.cache->Clear();
  return removed;
}

void ViewService::SetCacheOptions(const std::map<std::string, cache::CacheOptions>& caches) {
  for (auto& [name, category] : state_->categories) {
    const auto it = caches.find(name);
    if (it != caches.end()) category.cache->SetOptions(it->second);
  }
}

std::size_t ViewService::SweepExpired(std::size_t max_batch) {
  std::size_t removed = 0;
  for (auto& [name, category] : state_->categories) {
    removed += category.cache->SweepExpired(max_batch);
  }
  return removed;
}

std::vector<std::pair<std::string, cache::CacheStats>> ViewService::CacheStats() const {
  std::vector<std::pair<std::string, cache::CacheStats>> stats;
  for (const char* name : kCacheNames) {
    stats.emplace_back(name, state_->categories.find(name)->second.cache->Stats());
  }
  return stats;
}

std::shared_ptr<const cache::Entry> ViewService::Latest(View view) const {
  cache::Lookup lookup = state_->CategoryOf(view).cache->Peek(collectors::ViewKey(view));
  return lookup.freshness == cache::Freshness::kMiss ? nullptr : std::move(lookup.entry);
}

}  // namespace queuemon::daemon
