#include "cache/ttl_lru_cache.h"

#include <fnmatch.h>

#include <utility>

#include "base/shared_mutex.h"
#include "base/thread_annotations.h"
#include "cache/internal/entry_index.h"
#include "cache/internal/stats_counters.h"

namespace queuemon::cache {
namespace {

// The options' durations resolved once per SetOptions, so a read compares three integers.
struct Limits {
  base::Duration refresh_after{};
  base::Duration ttl{};
  base::Duration expire_after{};  // ttl + stale_for: from here on the entry is unusable

  explicit Limits(const CacheOptions& o)
      : refresh_after(o.EffectiveRefreshAfter()), ttl(o.ttl), expire_after(o.ttl + o.stale_for) {}

  Freshness Classify(base::Duration age) const {
    if (age < refresh_after && age < ttl) return Freshness::kFresh;
    if (age < ttl) return Freshness::kFreshRefresh;
    if (age < expire_after) return Freshness::kStale;
    return Freshness::kMiss;
  }
};

std::int64_t Nanos(base::TimePoint t) { return t.time_since_epoch().count(); }

bool GlobMatches(const std::string& pattern, const std::string& key) {
  return fnmatch(pattern.c_str(), key.c_str(), 0) == 0;
}

}  // namespace

struct TtlLruCache::Impl {
  using Node = internal::EntryIndex::Node;

  Impl(CacheOptions o, const base::Clock& c) : clock(c), options(std::move(o)), limits(options) {}

  // Classifies `node` at `now` under the current limits; a kMiss is returned as Lookup{}.
  Lookup Classify(const Node& node, base::TimePoint now) const REQUIRES_SHARED(mu) {
    Lookup out;
    const auto& entry = node.entry;
    out.age = now > entry->collected_at ? now - entry->collected_at : base::Duration::zero();
    out.ttl = limits.ttl;
    out.freshness = limits.Classify(out.age);
    if (out.freshness == Freshness::kMiss) return Lookup{};  // as if absent: no entry, age 0
    // The last known data from before a restart is never fresh (Entry::restored).
    if (entry->restored) out.freshness = Freshness::kStale;
    out.entry = entry;
    return out;
  }

  bool Expired(const internal::Slot& slot, base::TimePoint now) const REQUIRES_SHARED(mu) {
    return now - slot.entry->collected_at >= limits.expire_after;
  }

  // Evicts least recently read entries (never `keep`) until both budgets hold.
  void EnforceBudgets(const Node* keep) REQUIRES(mu) {
    std::uint64_t evicted = 0;
    while (OverBudget()) {
      Node* victim = index.PickVictim(keep);
      if (victim == nullptr) break;
      index.Remove(victim);
      ++evicted;
    }
    if (evicted > 0) counters.AddEvictions(evicted);
  }

  bool OverBudget() const REQUIRES_SHARED(mu) {
    return index.size() > options.max_entries ||
           (options.max_bytes != 0 && index.bytes() > options.max_bytes);
  }

  // Drops `key` if it still holds `seen` and is still expired (Get's lazy expiry).
  void DropIfExpired(std::string_view key, const Entry* seen) EXCLUDES(mu) {
    base::WriterLock lock(mu);
    Node* node = index.Find(key);
    if (node == nullptr || node->entry.get() != seen) return;
    if (!Expired(*node, clock.Now())) return;
    index.Remove(node);
    counters.AddExpirations(1);
  }

  const base::Clock& clock;
  mutable base::SharedMutex mu;
  CacheOptions options GUARDED_BY(mu);
  Limits limits GUARDED_BY(mu);
  internal::EntryIndex index GUARDED_BY(mu);
  internal::StatsCounters counters;
};

TtlLruCache::TtlLruCache(std::string name, CacheOptions options, const base::Clock& clock)
    : name_(std::move(name)), impl_(std::make_unique<Impl>(std::move(options), clock)) {}

TtlLruCache::~TtlLruCache() = default;

Lookup TtlLruCache::Get(std::string_view key) const {
  Impl& impl = *impl_;
  const base::TimePoint now = impl.clock.Now();
  const Entry* expired = nullptr;
  {
    base::ReaderLock lock(impl.mu);
    Impl::Node* node = impl.index.Find(key);
    if (node == nullptr) return Lookup{};
    Lookup out = impl.Classify(*node, now);
    if (out.freshness != Freshness::kMiss) {
      node->Touch(Nanos(now));
      if (out.freshness == Freshness::kFresh || out.freshness == Freshness::kFreshRefresh) {
        impl.counters.AddHit();
      }
      return out;
    }
    expired = node->entry.get();
  }
  // Rare path: the entry is past ttl + stale_for. Upgrade to the exclusive lock to drop it;
  // DropIfExpired re-checks because another thread may have replaced it meanwhile.
  impl.DropIfExpired(key, expired);
  return Lookup{};
}

Lookup TtlLruCache::Peek(std::string_view key) const {
  const base::TimePoint now = impl_->clock.Now();
  base::ReaderLock lock(impl_->mu);
  Impl::Node* node = impl_->index.Find(key);
  return node == nullptr ? Lookup{} : impl_->Classify(*node, now);
}

Lookup TtlLruCache::Recall(std::string_view key) const {
  const base::TimePoint now = impl_->clock.Now();
  base::ReaderLock lock(impl_->mu);
  Impl::Node* node = impl_->index.Find(key);
  if (node == nullptr) return Lookup{};
  Lookup out = impl_->Classify(*node, now);
  if (out.freshness != Freshness::kMiss) node->Touch(Nanos(now));
  return out;
}

void TtlLruCache::RecordMiss() const { impl_->counters.AddMiss(); }
void TtlLruCache::RecordStale() const { impl_->counters.AddStale(); }

void TtlLruCache::Put(std::string_view key, std::shared_ptr<const Entry> entry) {
  Impl& impl = *impl_;
  impl.counters.AddSets(1);
  if (entry == nullptr) return;
  const std::size_t bytes = internal::EntryIndex::BytesOf(key, *entry);
  const base::TimePoint now = impl.clock.Now();
  base::WriterLock lock(impl.mu);
  const bool too_big = impl.options.max_bytes != 0 && bytes > impl.options.max_bytes;
  if (too_big || impl.options.max_entries == 0) {
    // Not storable. Drop the older entry under this key too: it is superseded by data we
    // could not keep, and serving it as fresh would hide the newer state.
    if (Impl::Node* old = impl.index.Find(key)) {
      impl.index.Remove(old);
      impl.counters.AddEvictions(1);
    }
    return;
  }
  Impl::Node* node = impl.index.Upsert(key, std::move(entry), Nanos(now));
  impl.EnforceBudgets(node);
}

bool TtlLruCache::Erase(std::string_view key) {
  base::WriterLock lock(impl_->mu);
  Impl::Node* node = impl_->index.Find(key);
  if (node == nullptr) return false;
  impl_->index.Remove(node);
  impl_->counters.AddInvalidations(1);
  return true;
}

std::size_t TtlLruCache::Clear() {
  base::WriterLock lock(impl_->mu);
  const std::size_t n = impl_->index.Clear();
  impl_->counters.AddInvalidations(n);
  return n;
}

std::size_t TtlLruCache::EraseMatching(std::string_view pattern) {
  const std::string glob(pattern);  // fnmatch wants NUL-terminated strings
  base::WriterLock lock(impl_->mu);
  const std::size_t n = impl_->index.RemoveIf(
      [&glob](const internal::Slot& slot) { return GlobMatches(glob, slot.key); });
  impl_->counters.AddInvalidations(n);
  return n;
}

std::vector<std::string> TtlLruCache::Keys() const {
  base::ReaderLock lock(impl_->mu);
  return impl_->index.Keys();
}

std::size_t TtlLruCache::SweepExpired(std::size_t max_batch) {
  Impl& impl = *impl_;
  const base::TimePoint now = impl.clock.Now();
  base::WriterLock lock(impl.mu);
  const std::size_t removed = impl.index.SweepFromCursor(
      max_batch, [&](const internal::Slot& slot)
                     NO_THREAD_SAFETY_ANALYSIS { return impl.Expired(slot, now); });
  impl.counters.AddExpirations(removed);
  return removed;
}

void TtlLruCache::SetOptions(const CacheOptions& options) {
  base::WriterLock lock(impl_->mu);
  impl_->options = options;
  impl_->limits = Limits(options);
  impl_->EnforceBudgets(nullptr);
}

CacheOptions TtlLruCache::options() const {
  base::ReaderLock lock(impl_->mu);
  return impl_->options;
}

CacheStats TtlLruCache::Stats() const {
  CacheStats out;
  impl_->counters.CopyTo(out);
  base::ReaderLock lock(impl_->mu);
  out.size = impl_->index.size();
  out.max_size = impl_->options.max_entries;
  out.bytes = impl_->index.bytes();
  out.max_bytes = impl_->options.max_bytes;
  return out;
}

}  // namespace queuemon::cache
