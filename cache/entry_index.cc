#include "cache/internal/entry_index.h"

#include <utility>

namespace queuemon::cache::internal {

EntryIndex::Node* EntryIndex::Upsert(std::string_view key, std::shared_ptr<const Entry> entry,
                                     std::int64_t now_ns) {
  const std::size_t bytes = BytesOf(key, *entry);
  Slot* slot = Find(key);
  if (slot == nullptr) {
    auto owned = std::make_unique<Slot>();
    owned->key = std::string(key);
    owned->index = dense_.size();
    slot = owned.get();
    dense_.push_back(std::move(owned));
    map_.emplace(std::string_view(slot->key), slot);
  } else {
    bytes_ -= slot->bytes;
  }
  slot->entry = std::move(entry);
  slot->bytes = bytes;
  slot->put_seq = ++put_seq_;
  slot->last_read_ns.store(now_ns, std::memory_order_relaxed);
  bytes_ += bytes;
  return slot;
}

void EntryIndex::Remove(Node* node) {
  map_.erase(std::string_view(node->key));  // before the slot (which owns the key) dies
  bytes_ -= node->bytes;
  // Swap-remove from the dense array, then fix the index of the slot that moved.
  const std::size_t index = node->index;
  std::swap(dense_[index], dense_.back());
  dense_[index]->index = index;
  dense_.pop_back();
}

std::size_t EntryIndex::Clear() {
  const std::size_t n = dense_.size();
  map_.clear();
  dense_.clear();
  bytes_ = 0;
  sweep_cursor_ = 0;
  return n;
}

EntryIndex::Node* EntryIndex::PickVictim(const Node* keep) {
  return dense_.size() <= kExactScanLimit ? ExactVictim(keep) : SampledVictim(keep);
}

bool EntryIndex::Older(const Node* a, const Node* b) {
  const std::int64_t ta = a->last_read_ns.load(std::memory_order_relaxed);
  const std::int64_t tb = b->last_read_ns.load(std::memory_order_relaxed);
  return ta != tb ? ta < tb : a->put_seq < b->put_seq;
}

EntryIndex::Node* EntryIndex::ExactVictim(const Node* keep) const {
  Node* victim = nullptr;
  for (const auto& owned : dense_) {
    Node* node = owned.get();
    if (node != keep && (victim == nullptr || Older(node, victim))) victim = node;
  }
  return victim;
}

EntryIndex::Node* EntryIndex::SampledVictim(const Node* keep) {
  Node* victim = nullptr;
  for (std::size_t i = 0; i < kEvictionSamples; ++i) {
    Node* node = dense_[NextRandom() % dense_.size()].get();
    if (node != keep && (victim == nullptr || Older(node, victim))) victim = node;
  }
  // Only reachable when every sample hit `keep`: fall back to any other node.
  if (victim == nullptr) victim = dense_[0].get() != keep ? dense_[0].get() : dense_[1].get();
  return victim;
}

std::uint64_t EntryIndex::NextRandom() {
  // splitmix64: tiny, fast and good enough to spread samples uniformly.
  std::uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::size_t EntryIndex::SweepFromCursor(std::size_t max_remove,
                                        const std::function<bool(const Slot&)>& expired) {
  std::size_t removed = 0;
  std::size_t to_visit = dense_.size();
  while (to_visit > 0 && removed < max_remove && !dense_.empty()) {
    if (sweep_cursor_ >= dense_.size()) sweep_cursor_ = 0;
    Node* node = dense_[sweep_cursor_].get();
    --to_visit;
    if (expired(*node)) {
      Remove(node);  // the last node moved into the cursor's place; visit it next
      ++removed;
    } else {
      ++sweep_cursor_;
    }
  }
  return removed;
}

std::size_t EntryIndex::RemoveIf(const std::function<bool(const Slot&)>& match) {
  // Backwards: Remove swaps the last node into the removed one's place, and that node has been
  // visited already.
  std::size_t removed = 0;
  for (std::size_t i = dense_.size(); i > 0; --i) {
    Node* node = dense_[i - 1].get();
    if (!match(*node)) continue;
    Remove(node);
    ++removed;
  }
  if (sweep_cursor_ > dense_.size()) sweep_cursor_ = 0;
  return removed;
}

std::vector<std::string> EntryIndex::Keys() const {
  std::vector<std::string> keys;
  keys.reserve(dense_.size());
  for (const auto& slot : dense_) keys.push_back(slot->key);
  return keys;
}

}  // namespace queuemon::cache::internal
