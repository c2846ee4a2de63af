#include "cache/read_through.h"

#include <fnmatch.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>
#include <utility>

#include "base/mutex.h"
#include "base/thread_annotations.h"

namespace queuemon::cache {

namespace {
struct KeyHash {  // lets string_views look up std::string keys without a copy
  using is_transparent = void;
  std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};
}  // namespace

struct ReadThrough::State {
  State(std::string name, CacheOptions options, const base::Clock& c,
        boost::asio::any_io_executor executor)
      : cache(std::move(name), options, c), flight(std::move(executor)), clock(c) {}

  TtlLruCache cache;
  SingleFlight flight;
  const base::Clock& clock;
  std::atomic<std::uint64_t> waiting{0};  // Read calls inside flight.Do now
  // The loads running for each key (usually one; a refresh may replace one that still runs),
  // so that dropping a key also keeps the loads that were reading the old state from storing
  // it afterwards. Stores and drops both happen under store_mu: a drop comes either before a
  // load's store (which it then prevents) or after it (and removes what was stored).
  base::Mutex store_mu;  // taken before the cache's and the single-flight's own locks
  std::unordered_map<std::string, std::vector<bool*>, KeyHash, std::equal_to<>> running
      GUARDED_BY(store_mu);

  // Marks the loads running for the key at `it` superseded; returns the key, which the caller
  // detaches from the single-flight once store_mu is released (Detach may start a queued load,
  // which registers under store_mu), so that later readers do not join a load from before the
  // drop.
  std::string Supersede(decltype(running)::iterator it) REQUIRES(store_mu) {
    for (bool* superseded : it->second) *superseded = true;
    return it->first;
  }
};

namespace {

using State = ReadThrough::State;

// A coroutine with by-value parameters, so its frame owns everything it touches; the lambda
// below only forwards to it (a lambda coroutine's captures would die with the lambda).
// Registers a running load of `key` for the life of the load's frame.
class RunningLoad {
 public:
  RunningLoad(State& state, const std::string& key) : state_(state), key_(key) {
    base::MutexLock lock(state_.store_mu);
    state_.running[key_].push_back(&superseded_);
  }
  ~RunningLoad() {
    base::MutexLock lock(state_.store_mu);
    Unregister();
  }
  RunningLoad(const RunningLoad&) = delete;
  RunningLoad& operator=(const RunningLoad&) = delete;

  // Stores `entry` unless the key was dropped while the load ran.
  void Store(const std::shared_ptr<const Entry>& entry) {
    base::MutexLock lock(state_.store_mu);
    if (!superseded_) state_.cache.Put(key_, entry);
    Unregister();
  }

 private:
  void Unregister() REQUIRES(state_.store_mu) {
    const auto it = state_.running.find(key_);
    if (it == state_.running.end()) return;
    std::erase(it->second, &superseded_);
    if (it->second.empty()) state_.running.erase(it);
  }

  State& state_;
  const std::string& key_;
  bool superseded_ = false;  // guarded by state_.store_mu
};

boost::asio::awaitable<LoadResult> LoadAndStore(std::shared_ptr<State> state, std::string key,
                                                Loader load) {
  RunningLoad running(*state, key);
  LoadResult loaded = co_await load();
  if (loaded && *loaded) running.Store(*loaded);
  co_return loaded;
}

bool GlobMatches(const std::string& pattern, const std::string& key) {
  return fnmatch(pattern.c_str(), key.c_str(), 0) == 0;
}

Loader Storing(std::shared_ptr<State> state, std::string key, Loader load) {
  return [state = std::move(state), key = std::move(key), load = std::move(load)] {
    return LoadAndStore(state, key, load);
  };
}

bool IsFresh(Freshness freshness) {
  return freshness == Freshness::kFresh || freshness == Freshness::kFreshRefresh;
}

// The load of a reader that found no fresh entry. Between its lookup and its joining the
// single-flight, another reader's load may have stored a fresh entry and left the flight; that
// entry is the answer, not a second broker round.
boost::asio::awaitable<LoadResult> LoadUnlessStored(std::shared_ptr<State> state, std::string key,
                                                    Loader load) {
  Lookup stored = state->cache.Peek(key);
  if (IsFresh(stored.freshness) && stored.entry) co_return std::move(stored.entry);
  co_return co_await LoadAndStore(state, key, load);
}

Loader StoringUnlessStored(std::shared_ptr<State> state, std::string key, Loader load) {
  return [state = std::move(state), key = std::move(key), load = std::move(load)] {
    return LoadUnlessStored(state, key, load);
  };
}

ReadResult Answer(Outcome outcome, std::shared_ptr<const Entry> entry, const base::Clock& clock,
                  base::Duration ttl) {
  ReadResult result;
  result.outcome = outcome;
  result.age = std::max(base::Duration::zero(), clock.Now() - entry->collected_at);
  result.entry = std::move(entry);
  result.ttl = ttl;
  return result;
}

// Counts one waiting read for as long as it lives (also when the wait ends by an exception).
class WaitingCount final {
 public:
  explicit WaitingCount(std::atomic<std::uint64_t>& n) : n_(n) { n_.fetch_add(1, std::memory_order_relaxed); }
  ~WaitingCount() { n_.fetch_sub(1, std::memory_order_relaxed); }
  WaitingCount(const WaitingCount&) = delete;
  WaitingCount& operator=(const WaitingCount&) = delete;

 private:
  std::atomic<std::uint64_t>& n_;
};

}  // namespace

ReadThrough::ReadThrough(std::string name, CacheOptions options, const base::Clock& clock,
                         boost::asio::any_io_executor executor)
    : state_(std::make_shared<State>(std::move(name), options, clock, std::move(executor))) {}

ReadThrough::~ReadThrough() = default;

CacheStats ReadThrough::Stats() const {
  CacheStats stats = state_->cache.Stats();
  stats.waiting = state_->waiting.load(std::memory_order_relaxed);
  return stats;
}

TtlLruCache& ReadThrough::cache() { return state_->cache; }
const TtlLruCache& ReadThrough::cache() const { return state_->cache; }

boost::asio::awaitable<ReadResult> ReadThrough::Read(std::string key, Loader load, bool use_cache,
                                                     Reader reader,
                                                     std::chrono::milliseconds wait) {
  std::shared_ptr<State> state = state_;
  Lookup lookup;
  if (use_cache) {
    lookup = reader == Reader::kClient ? state->cache.Get(key) : state->cache.Peek(key);
    if (lookup.freshness == Freshness::kFreshRefresh) {
      state->flight.StartIfIdle(key, Storing(state, key, load));
    }
    if (lookup.entry && lookup.entry->restored) {
      // The last known data from before a restart: answered at once, marked STALE, while the
      // load that replaces it runs (a restarted daemon serves at once, also with its broker
      // down, instead of making every client wait for the first collection).
      state->flight.StartIfIdle(key, Storing(state, key, std::move(load)));
      if (reader == Reader::kClient) state->cache.RecordStale();
      co_return Answer(Outcome::kStale, std::move(lookup.entry), state->clock, lookup.ttl);
    }
    if (IsFresh(lookup.freshness)) {
      ReadResult hit;
      hit.outcome = Outcome::kHit;
      hit.age = std::max(base::Duration::zero(), lookup.age);
      hit.ttl = lookup.ttl;
      hit.entry = std::move(lookup.entry);
      co_return hit;
    }
  }
  // Miss, expired, or bypass: wait for the shared load. A bypass only joins a load that
  // starts after it arrived, so its data is fresh, and it never gets stale data on failure.
  // (The deadline is read only here: a clock read is a measurable part of a hit.)
  const auto deadline = std::chrono::steady_clock::now() + wait;
  const auto join = use_cache ? SingleFlight::Join::kAny : SingleFlight::Join::kStartedAfterNow;
  Loader storing = use_cache ? StoringUnlessStored(state, key, std::move(load))
                             : Storing(state, key, std::move(load));
  std::optional<LoadResult> loaded;
  {
    const WaitingCount counted(state->waiting);
    loaded = co_await state->flight.Do(key, join, deadline, std::move(storing));
  }
  const base::Duration ttl = state->cache.options().ttl;
  if (loaded && loaded->has_value()) {
    if (reader == Reader::kClient) state->cache.RecordMiss();
    co_return Answer(Outcome::kMiss, loaded->value(), state->clock, ttl);
  }
  if (use_cache && lookup.entry) {
    // Serve the newest entry still inside ttl + stale_for (Peek drops nothing, counts nothing).
    Lookup current = state->cache.Peek(key);
    if (current.freshness != Freshness::kMiss && current.entry) {
      if (reader == Reader::kClient) state->cache.RecordStale();
      co_return Answer(Outcome::kStale, std::move(current.entry), state->clock, ttl);
    }
  }
  if (reader == Reader::kClient) state->cache.RecordMiss();
  ReadResult failure;
  failure.error = loaded ? loaded->error()
                         : make_error_code(boost::system::errc::timed_out);
  failure.ttl = ttl;
  failure.bypassed_cache = !use_cache;
  co_return failure;
}

bool ReadThrough::Prefetch(std::string key, Loader load) {
  Loader storing = Storing(state_, key, std::move(load));
  return state_->flight.StartIfIdle(std::move(key), std::move(storing));
}

void ReadThrough::PrefetchUnlessFresh(std::string key, Loader load) {
  if (state_->cache.Peek(key).freshness != Freshness::kFresh) {
    Prefetch(std::move(key), std::move(load));
  }
}

boost::asio::awaitable<bool> ReadThrough::Warm(std::string key, Loader load,
                                               std::chrono::steady_clock::time_point deadline) {
  std::shared_ptr<State> state = state_;
  if (IsFresh(state->cache.Peek(key).freshness)) co_return true;
  std::optional<LoadResult> loaded = co_await state->flight.Do(
      key, SingleFlight::Join::kAny, deadline, StoringUnlessStored(state, key, std::move(load)));
  co_return loaded && loaded->has_value();
}

bool ReadThrough::Refresh(std::string key, Loader load) {
  {
    base::MutexLock lock(state_->store_mu);
    if (const auto it = state_->running.find(key); it != state_->running.end()) {
      for (bool* superseded : it->second) *superseded = true;
    }
  }
  Loader storing = Storing(state_, key, std::move(load));
  return state_->flight.StartReplacingCurrent(std::move(key), std::move(storing));
}

// Supersedes the running loads whose keys `selects`, erases with `erase` (both under
// store_mu), then detaches those loads from the single-flight. Returns what `erase` returned.
template <class Selects, class Erase>
auto DropUnderLock(State& state, Selects selects, Erase erase) {
  std::vector<std::string> detach;
  decltype(erase()) erased{};
  {
    base::MutexLock lock(state.store_mu);
    for (auto it = state.running.begin(); it != state.running.end(); ++it) {
      if (selects(it->first)) detach.push_back(state.Supersede(it));
    }
    erased = erase();
  }
  for (const std::string& key : detach) state.flight.Detach(key);
  return erased;
}

bool ReadThrough::Drop(std::string_view key) {
  State& state = *state_;
  return DropUnderLock(
      state, [key](std::string_view running) { return running == key; },
      [&state, key] {
        // Most drops (a task finished that nobody asked about) find nothing: the shared lock
        // decides that, the exclusive one is taken only to erase.
        return state.cache.Peek(key).freshness != Freshness::kMiss && state.cache.Erase(key);
      });
}

std::size_t ReadThrough::DropMatching(std::string_view pattern) {
  State& state = *state_;
  const std::string glob(pattern);
  return DropUnderLock(
      state, [&glob](const std::string& running) { return GlobMatches(glob, running); },
      [&state, &glob] { return state.cache.EraseMatching(glob); });
}

std::size_t ReadThrough::DropAll() {
  State& state = *state_;
  return DropUnderLock(
      state, [](std::string_view) { return true; }, [&state] { return state.cache.Clear(); });
}

std::shared_ptr<const Entry> ReadThrough::Latest(std::string_view key) const {
  Lookup lookup = state_->cache.Peek(key);
  if (lookup.entry && lookup.entry->restored) return nullptr;
  return lookup.freshness == Freshness::kMiss ? nullptr : std::move(lookup.entry);
}

boost::asio::awaitable<std::shared_ptr<const Entry>> ReadThrough::Renewed(
    std::string key, Loader load, base::Duration max_age,
    std::chrono::steady_clock::time_point deadline) {
  std::shared_ptr<State> state = state_;
  Lookup stored = state->cache.Peek(key);
  if (stored.entry && !stored.entry->restored && stored.age < max_age) co_return stored.entry;
  std::optional<LoadResult> loaded = co_await state->flight.Do(
      key, SingleFlight::Join::kAny, deadline, Storing(state, key, std::move(load)));
  if (!loaded || !loaded->has_value()) co_return nullptr;
  co_return loaded->value();
}

}  // namespace queuemon::cache
