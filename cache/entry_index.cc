#include "cache/internal/entry_index.h"

#include <utility>

namespace queuemon::cache::internal {

EntryIndex::Node* EntryIndex::Find(std::string_view key) {
  auto it = map_.find(key);
  return it == map_.end() ? nullptr : &*it;
}

EntryIndex::Node* EntryIndex::Upsert(std::string_view key, std::shared_ptr<const Entry> entry,
                                     std::int64_t now_ns) {
  const std::size_t bytes = BytesOf(key, *entry);
  auto it = map_.find(key);
  if (it == map_.end()) {
    it = map_.try_emplace(std::string(key)).first;
    it->second.index = dense_.size();
    dense_.push_back(&*it);
  } else {
    bytes_ -= it->second.bytes;
  }
  Slot& slot = it->second;
  slot.entry = std::move(entry);
  slot.bytes = bytes;
  slot.last_read_ns.store(now_ns, std::memory_order_relaxed);
  bytes_ += bytes;
  return &*it;
}

void EntryIndex::Remove(Node* node) {
  // Swap-remove from the dense array, then fix the index of the node that moved.
  const std::size_t index = node->second.index;
  Node* last = dense_.back();
  dense_[index] = last;
  last->second.index = index;
  dense_.pop_back();
  bytes_ -= node->second.bytes;
  map_.erase(map_.find(node->first));
}

std::size_t EntryIndex::Clear() {
  const std::size_t n = dense_.size();
  dense_.clear();
  map_.clear();
  bytes_ = 0;
  sweep_cursor_ = 0;
  return n;
}

EntryIndex::Node* EntryIndex::PickVictim(const Node* keep) {
  return dense_.size() <= kExactScanLimit ? ExactVictim(keep) : SampledVictim(keep);
}

EntryIndex::Node* EntryIndex::ExactVictim(const Node* keep) const {
  Node* victim = nullptr;
  std::int64_t oldest = 0;
  for (Node* node : dense_) {
    if (node == keep) continue;
    const std::int64_t t = node->second.last_read_ns.load(std::memory_order_relaxed);
    if (victim == nullptr || t < oldest) {
      victim = node;
      oldest = t;
    }
  }
  return victim;
}

EntryIndex::Node* EntryIndex::SampledVictim(const Node* keep) {
  Node* victim = nullptr;
  std::int64_t oldest = 0;
  for (std::size_t i = 0; i < kEvictionSamples; ++i) {
    Node* node = dense_[NextRandom() % dense_.size()];
    if (node == keep) continue;
    const std::int64_t t = node->second.last_read_ns.load(std::memory_order_relaxed);
    if (victim == nullptr || t < oldest) {
      victim = node;
      oldest = t;
    }
  }
  // Only reachable when every sample hit `keep`: fall back to any other node.
  if (victim == nullptr) victim = dense_[0] != keep ? dense_[0] : dense_[1];
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
    Node* node = dense_[sweep_cursor_];
    --to_visit;
    if (expired(node->second)) {
      Remove(node);  // the last node moved into the cursor's place; visit it next
      ++removed;
    } else {
      ++sweep_cursor_;
    }
  }
  return removed;
}

}  // namespace queuemon::cache::internal
