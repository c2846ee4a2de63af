#pragma once
// QueueListing: which of a Celery app's queues a queues view lists, whatever the broker. The
// configured ones always; every other queue while it has messages, unacked messages or
// consumers, and for `idle_queue_grace` after it last had any.
// Thread-safety: all methods are thread-safe.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "sources/typed_views.h"

namespace queuemon::sources::celery {

class QueueListing final {
 public:
  // REQUIRES: `clock` outlives this object.
  QueueListing(std::vector<std::string> configured, std::chrono::milliseconds idle_grace,
               const base::Clock& clock)
      : configured_(std::move(configured)), idle_grace_(idle_grace), clock_(clock) {}

  // The queues worth reading: the configured, the `consumed` and those listed lately.
  std::vector<std::string> Candidates(const std::vector<std::string>& consumed) const;
  // Keeps the queues to list, sorted by name, records their activity and sums their messages
  // into `view` (queues, total_messages).
  void List(std::vector<QueueInfo> queues, const std::vector<std::string>& consumed,
            QueuesView& view);

 private:
  const std::vector<std::string> configured_;
  const std::chrono::milliseconds idle_grace_;
  const base::Clock& clock_;
  mutable base::Mutex mu_;
  std::map<std::string, base::TimePoint> last_active_ GUARDED_BY(mu_);
};

}  // namespace queuemon::sources::celery
