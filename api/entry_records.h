#pragma once
// Entries as records and back (snapshot/record.h): what leaves the process for another replica
// (through Redis) or for the state file, and what comes back. A record carries the body, the
// ETag and the status verbatim, so every replica answers with the same ETag for the same data,
// and the collection time in wall-clock seconds (an entry's collected_at is on this process's
// monotonic clock, which means nothing elsewhere). The typed view is not carried: it is read
// back from the body (sources::ReadViewBody) for the views /metrics, readiness and filters use.
//
// Thread-safety: pure functions.

#include <memory>
#include <optional>
#include <string_view>

#include "base/clock.h"
#include "cache/entry.h"
#include "snapshot/record.h"

namespace queuemon::api {

// `t` (on `clock`) as Unix seconds, through the current offset between the two clocks.
double UnixTimeOf(base::TimePoint t, const base::Clock& clock);
// The inverse: Unix seconds on `clock`, never later than now (a writer's clock may run ahead).
base::TimePoint TimePointOf(double unix_seconds, const base::Clock& clock);

snapshot::Record RecordOf(std::string_view source, std::string_view category,
                          std::string_view key, const cache::Entry& entry,
                          const base::Clock& clock);

// The entry `record` describes, or null when its key names no view. `restored`: see
// cache::Entry::restored.
std::shared_ptr<const cache::Entry> EntryOf(const snapshot::Record& record,
                                            const base::Clock& clock,
                                            const cache::EntryEncoding& encoding, bool restored);

}  // namespace queuemon::api
