#pragma once
// CollectionCounters: the part of SourceStats every source keeps the same way — collections and
// errors, the last duration and success, whether the broker was up, and the workers the latest
// workers read found alive.
//
// Thread-safety: all methods may be called from any thread (one annotated mutex).

#include <cstddef>
#include <functional>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "sources/source.h"
#include "sources/views.h"

namespace queuemon::sources {

class CollectionCounters final {
 public:
  // One Collect() of `view` that took `seconds`, with the rules every source follows: the broker
  // was up unless `broker_down(error)` (the kind's transport knows its errors), or, for the
  // health view (which never fails), unless it reports the broker unreachable; a rejected
  // argument or a view the kind lacks says nothing about the broker and is not counted.
  void RecordCollection(View view, const boost::system::result<Collected>& result, double seconds,
                        const std::function<bool(const boost::system::error_code&)>& broker_down);
  void SetWorkersOnline(std::size_t online);
  // SourceStats with these fields set and the others zero.
  SourceStats Snapshot() const;

 private:
  void Record(bool ok, double seconds, bool broker_up);

  mutable base::Mutex mu_;
  SourceStats stats_ GUARDED_BY(mu_);
};

}  // namespace queuemon::sources
