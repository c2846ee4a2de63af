#include "sources/collection_counters.h"

#include "base/clock.h"
#include "sources/errors.h"

namespace queuemon::sources {

void CollectionCounters::Record(bool ok, double seconds, bool broker_up) {
  base::MutexLock lock(mu_);
  (ok ? stats_.collections : stats_.errors) += 1;
  stats_.last_duration_seconds = seconds;
  stats_.up = broker_up;
  if (ok) stats_.last_success_unix = base::UnixNow();
}

void CollectionCounters::RecordCollection(View view, const boost::system::result<Collected>& result,
                                          double seconds,
                                          const std::function<bool(const boost::system::error_code&)>& broker_down) {
  if (!result && (result.error() == MakeErrorCode(Errc::kInvalidArgument) ||
                  result.error() == MakeErrorCode(Errc::kNotFound))) {
    return;
  }
  bool broker_up = result ? true : !broker_down(result.error());
  if (result && view == View::kHealth) {
    if (const auto* health = std::get_if<HealthView>(&result->data)) broker_up = health->broker_reachable;
  }
  Record(result.has_value(), seconds, broker_up);
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
