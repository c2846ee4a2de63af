#pragma once
// EntryIndex: the storage of one TtlLruCache: key -> Slot, plus a dense array of the slots for
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
// Reads at the same clock instant tie; ties are broken by array position.
//
// Thread-safety: none of its own. The owner's mutex guards it: Find and Slot::Touch are safe
// under the shared lock, everything else needs the exclusive lock.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cache/entry.h"

namespace queuemon::cache::internal {

// Transparent hash so that find(string_view) neither allocates nor copies the key.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct Slot {
  std::shared_ptr<const Entry> entry;
  std::atomic<std::int64_t> last_read_ns{0};
  std::size_t bytes = 0;  // key + body + etag
  std::size_t index = 0;  // position in the dense array

  // Records a read at `now_ns`; skips the store when unchanged to keep the line shared.
  void Touch(std::int64_t now_ns) {
    if (last_read_ns.load(std::memory_order_relaxed) != now_ns) {
      last_read_ns.store(now_ns, std::memory_order_relaxed);
    }
  }
};

class EntryIndex final {
 public:
  using Map = std::unordered_map<std::string, Slot, StringHash, std::equal_to<>>;
  using Node = Map::value_type;  // pair<const std::string, Slot>; address stable until erased

  static constexpr std::size_t kExactScanLimit = 256;
  static constexpr std::size_t kEvictionSamples = 16;

  static std::size_t BytesOf(std::string_view key, const Entry& entry) {
    return key.size() + entry.body.size() + entry.etag.size();
  }

  Node* Find(std::string_view key);
  // Inserts or replaces `key`; the slot's last read becomes `now_ns`.
  Node* Upsert(std::string_view key, std::shared_ptr<const Entry> entry, std::int64_t now_ns);
  void Remove(Node* node);
  std::size_t Clear();

  // The least recently read node other than `keep` (may be null), or null if there is none.
  Node* PickVictim(const Node* keep);

  // Visits up to size() nodes starting at the sweep cursor; removes those for which
  // `expired(slot)` holds, stopping after `max_remove` removals. Returns the removal count.
  std::size_t SweepFromCursor(std::size_t max_remove, const std::function<bool(const Slot&)>& expired);

  std::size_t size() const { return dense_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  Node* ExactVictim(const Node* keep) const;
  Node* SampledVictim(const Node* keep);
  std::uint64_t NextRandom();

  Map map_;
  std::vector<Node*> dense_;
  std::size_t bytes_ = 0;
  std::size_t sweep_cursor_ = 0;
  std::uint64_t rng_state_ = 0x9e3779b97f4a7c15ULL;  // fixed seed: reproducible eviction
};

}  // namespace queuemon::cache::internal
