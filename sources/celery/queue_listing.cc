#include "sources/celery/queue_listing.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_set>

namespace queuemon::sources::celery {
namespace {

// A lookup set over `names` (which outlive it): List asks once per queue, and a linear search
// made listing 10 000 queues quadratic.
std::unordered_set<std::string_view> LookupSet(const std::vector<std::string>& names) {
  return {names.begin(), names.end()};
}

}  // namespace

std::vector<std::string> QueueListing::Candidates(const std::vector<std::string>& consumed) const {
  std::set<std::string> names(configured_.begin(), configured_.end());
  names.insert(consumed.begin(), consumed.end());
  base::MutexLock lock(mu_);
  for (const auto& [name, at] : last_active_) names.insert(name);
  return {names.begin(), names.end()};
}

void QueueListing::List(std::vector<QueueInfo> queues, const std::vector<std::string>& consumed,
                        QueuesView& view) {
  const auto now = clock_.Now();
  const std::unordered_set<std::string_view> consumers = LookupSet(consumed);
  const std::unordered_set<std::string_view> configured = LookupSet(configured_);
  view.queues.clear();
  {
    base::MutexLock lock(mu_);
    for (QueueInfo& queue : queues) {
      const bool active = queue.messages > 0 || queue.unacked.value_or(0) > 0 ||
                          queue.consumers > 0 || consumers.contains(queue.name);
      if (active) last_active_[queue.name] = now;
      const auto seen = last_active_.find(queue.name);
      const bool recent = seen != last_active_.end() && now - seen->second <= idle_grace_;
      if (!recent && seen != last_active_.end()) last_active_.erase(seen);
      if (configured.contains(queue.name) || recent) view.queues.push_back(std::move(queue));
    }
  }
  std::sort(view.queues.begin(), view.queues.end(),
            [](const QueueInfo& a, const QueueInfo& b) { return a.name < b.name; });
  view.total_messages = 0;
  for (const QueueInfo& q : view.queues) view.total_messages += q.messages;
}

}  // namespace queuemon::sources::celery
