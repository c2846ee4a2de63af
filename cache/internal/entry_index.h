#pragma once
// EntryIndex: the storage of one TtlLruCache: key -> Slot, plus a dense array owning the slots, for
// O(1) random sampling (eviction) and a resumable cursor (incremental sweeping).
//
// Recency: each slot carries an atomic last-read time (clock nanoseconds) that readers store
// while holding only the shared lock; nothing else in a slot changes under the shared lock.
//
// Victim choice (PickVictim): exact least-recently-read when the index holds at most
// kExactScanLimit entries (every cache of the default configuration); above that, Redis-style
// sampling: kEvictionSamples slots drawn uniformly at random, the least recently read of them
// is evicted (no Redis-style candidate pool). The victim's recency rank r (0 = least recently
// read) then satisfies P(r >= x * size) = (1 - x)^16: on average it is within the oldest ~6%,
// 95% of victims are within the oldest 17%, 99% within 25%; a victim from the newer half
// happens with p = 1.5e-5 per eviction. ttl_lru_cache_eviction_test bounds this error.
// Reads at the same clock instant (one tick of a coarse clock) tie; ties go to the entry put
// least recently, so with no reads in between eviction is FIFO by Put.
//
// Thread-safety: none of its own. The owner's mutex guards it: Find and Slot::Touch are safe
// under the shared lock, everything else needs the exclusive lock.

#include <atomic>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/entry.h"

namespace queuemon::cache::internal {

// A short-key string hash that inlines into the lookup: 8 bytes per step with a 64x64->128
// multiply-fold (the wyhash/mum mixing), overlapping loads for the tail, no seed. It is about a
// third of the instructions of std::hash (out-of-line murmur) for 10-40 byte keys, and the
// final fold avalanches well enough for the table to skip its own post-mixing. Not keyed, so
// not flooding-resistant; the entry budget bounds how many keys an attacker could plant.
struct StringViewHash {
  using is_avalanching = void;

  std::size_t operator()(std::string_view s) const {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    std::size_t n = s.size();
    std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    if (n >= 8) {
      const unsigned char* last = p + n - 8;
      for (; p < last; p += 8) h = Fold(h ^ Load8(p), 0xbf58476d1ce4e5b9ULL);
      h = Fold(h ^ Load8(last), 0x94d049bb133111ebULL);
    } else if (n >= 4) {
      h = Fold(h ^ (Load4(p) << 32 | Load4(p + n - 4)), 0x94d049bb133111ebULL);
    } else if (n > 0) {
      h = Fold(h ^ (std::uint64_t{p[0]} << 16 | std::uint64_t{p[n / 2]} << 8 | p[n - 1]),
               0x94d049bb133111ebULL);
    }
    return static_cast<std::size_t>(Fold(h, 0x9e3779b97f4a7c15ULL));
  }

 private:
  __extension__ using U128 = unsigned __int128;  // GCC/Clang; __extension__ for -Wpedantic
  static std::uint64_t Fold(std::uint64_t a, std::uint64_t b) {
    const U128 r = static_cast<U128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
  }
  static std::uint64_t Load8(const unsigned char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  static std::uint64_t Load4(const unsigned char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
};

// One stored key. Heap-allocated and never moved, so the index's string_view keys can point
// at `key`, and a short key (SSO) shares a cache line with the rest of the slot.
struct Slot {
  std::string key;
  std::shared_ptr<const Entry> entry;
  std::atomic<std::int64_t> last_read_ns{0};
  std::uint64_t put_seq = 0;  // order of the last Put: breaks ties between equal read times
  std::size_t bytes = 0;      // key + body + etag
  std::size_t index = 0;      // position in the dense array

  // Records a read at `now_ns`; skips the store when unchanged to keep the line shared.
  void Touch(std::int64_t now_ns) {
    if (last_read_ns.load(std::memory_order_relaxed) != now_ns) {
      last_read_ns.store(now_ns, std::memory_order_relaxed);
    }
  }
};

class EntryIndex final {
 public:
  using Node = Slot;

  static constexpr std::size_t kExactScanLimit = 256;
  static constexpr std::size_t kEvictionSamples = 16;

  static std::size_t BytesOf(std::string_view key, const Entry& entry) {
    return key.size() + entry.body.size() + entry.etag.size() + entry.gzip_body.size() +
           entry.gzip_etag.size();
  }

  Node* Find(std::string_view key) const {  // inline: it is most of the hit path
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : it->second;
  }
  // Inserts or replaces `key`; the slot's last read becomes `now_ns`.
  Node* Upsert(std::string_view key, std::shared_ptr<const Entry> entry, std::int64_t now_ns);
  void Remove(Node* node);
  std::size_t Clear();

  // The least recently read node other than `keep` (may be null), or null if there is none.
  Node* PickVictim(const Node* keep);

  // Visits up to size() nodes starting at the sweep cursor; removes those for which
  // `expired(slot)` holds, stopping after `max_remove` removals. Returns the removal count.
  std::size_t SweepFromCursor(std::size_t max_remove,
                              const std::function<bool(const Slot&)>& expired);
  // Removes every node for which `match(slot)` holds; returns how many. Visits each node once.
  std::size_t RemoveIf(const std::function<bool(const Slot&)>& match);
  // Every stored key, in no particular order.
  std::vector<std::string> Keys() const;

  std::size_t size() const { return dense_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  // True if `a` should be evicted before `b`.
  static bool Older(const Node* a, const Node* b);
  Node* ExactVictim(const Node* keep) const;
  Node* SampledVictim(const Node* keep);
  std::uint64_t NextRandom();

  // An open-addressing table (no per-lookup division, no chained nodes): the hit path is
  // one probe plus the slot. Keys view Slot::key.
  boost::unordered_flat_map<std::string_view, Slot*, StringViewHash> map_;
  std::vector<std::unique_ptr<Slot>> dense_;  // owns the slots
  std::size_t bytes_ = 0;
  std::size_t sweep_cursor_ = 0;
  std::uint64_t put_seq_ = 0;
  std::uint64_t rng_state_ = 0x9e3779b97f4a7c15ULL;  // fixed seed: reproducible eviction
};

}  // namespace queuemon::cache::internal
