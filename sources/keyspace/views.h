#pragma once
// The views RQ and Sidekiq sources assemble: the workers view from the workers read, and from
// the workers and queues views the summary and the jobs view (their /tasks/status: jobs by
// state, and the jobs running now).
//
// Thread-safety: pure functions.

#include <vector>

#include "sources/typed_views.h"

namespace queuemon::sources::keyspace {

// Sorted by hostname; online and offline counted by status.
WorkersView BuildWorkersView(std::vector<WorkerInfo> workers, double now);
SummaryView BuildSummaryView(const WorkersView& workers, const QueuesView& queues, double now);
JobsView BuildJobsView(const QueuesView& queues, std::vector<RunningJob> running, double now);

}  // namespace queuemon::sources::keyspace
