#pragma once
// CollectionCounters: the part of SourceStats every source keeps the same way — collections and
// errors, the last duration and success, whether the broker was up, and the workers the latest
// workers read found alive.
//
// Thread-safety: all methods may be called from any thread (one annotated mutex).

#include <cstddef>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "sources/source.h"

namespace queuemon::sources {

class CollectionCounters final {
 public:
  // One Collect() that returned (`ok`) or failed, taking `seconds`, the broker up or not.
  void Record(bool ok, double seconds, bool broker_up);
  void SetWorkersOnline(std::size_t online);
  // SourceStats with these fields set and the others zero.
  SourceStats Snapshot() const;

 private:
  mutable base::Mutex mu_;
  SourceStats stats_ GUARDED_BY(mu_);
};

}  // namespace queuemon::sources
