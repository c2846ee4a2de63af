#pragma once
// The reader of a celery source's "task_events" object (sources/celery/event_stream.h's
// TaskEventsOptions): celery-exporter's options (metric prefix, static labels, generic
// hostnames, default queue name, buckets, worker timeout) and the task table's bounds.

#include "config/object_reader.h"
#include "sources/celery/event_stream.h"

namespace queuemon::config {

// Reads over `out`'s defaults. Throws ConfigError naming the key, e.g.
// "sources[0].task_events.runtime_buckets: must be strictly ascending (got [1,0.5])".
void ReadTaskEventsOptions(ObjectReader& r, sources::celery::TaskEventsOptions& out);

}  // namespace queuemon::config
