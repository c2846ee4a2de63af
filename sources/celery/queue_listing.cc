#include "sources/celery/queue_listing.h"

#include <algorithm>
#include <set>

namespace queuemon::sources::celery {
namespace {

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
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
  view.queues.clear();
  {
    base::MutexLock lock(mu_);
    for (QueueInfo& queue : queues) {
      const bool active = queue.messages > 0 || queue.unacked.value_or(0) > 0 ||
                          queue.consumers > 0 || Contains(consumed, queue.name);
      if (active) last_active_[queue.name] = now;
      const auto seen = last_active_.find(queue.name);
      const bool recent = seen != last_active_.end() && now - seen->second <= idle_grace_;
      if (!recent && seen != last_active_.end()) last_active_.erase(seen);
      if (Contains(configured_, queue.name) || recent) view.queues.push_back(std::move(queue));
    }
  }
  std::sort(view.queues.begin(), view.queues.end(),
            [](const QueueInfo& a, const QueueInfo& b) { return a.name < b.name; });
  view.total_messages = 0;
  for (const QueueInfo& q : view.queues) view.total_messages += q.messages;
}

}  // namespace queuemon::sources::celery
