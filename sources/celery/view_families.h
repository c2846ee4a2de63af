#pragma once
// Celery's job-queue families from the workers and queues views, named and labelled as
// celery-exporter names them (prefix from MetricStyle, "celery_" by default): worker_up and
// worker_tasks_active per worker host, queue_length, active_worker_count and
// active_process_count per queue; every series also carries `source` and the static labels.
//
// Thread-safety: pure function.

#include <string_view>
#include <vector>

#include "sources/metric_family.h"
#include "sources/typed_views.h"

namespace queuemon::sources::celery {

std::vector<MetricFamily> CeleryViewFamilies(std::string_view source, const MetricStyle& style,
                                             const WorkersView* workers, const QueuesView* queues);

}  // namespace queuemon::sources::celery
