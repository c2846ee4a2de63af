#include "sources/collection_counters.h"

#include "base/clock.h"

namespace queuemon::sources {

void CollectionCounters::Record(bool ok, double seconds, bool broker_up) {
  base::MutexLock lock(mu_);
  (ok ? stats_.collections : stats_.errors) += 1;
  stats_.last_duration_seconds = seconds;
  stats_.up = broker_up;
  if (ok) stats_.last_success_unix = base::UnixNow();
}

void CollectionCounters::SetWorkersOnline(std::size_t online) {
  base::MutexLock lock(mu_);
  stats_.workers_online = online;
}

SourceStats CollectionCounters::Snapshot() const {
  base::MutexLock lock(mu_);
  return stats_;
}

}  // namespace queuemon::sources
