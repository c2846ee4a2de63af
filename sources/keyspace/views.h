#pragma once
// The views RQ and Sidekiq sources derive from their workers and queues views: the summary and
// the jobs view (their /tasks/status: jobs by state, and the jobs running now).
//
// Thread-safety: pure functions.

#include <vector>

#include "sources/typed_views.h"

namespace queuemon::sources::keyspace {

SummaryView BuildSummaryView(const WorkersView& workers, const QueuesView& queues, double now);
JobsView BuildJobsView(const QueuesView& queues, std::vector<RunningJob> running, double now);

}  // namespace queuemon::sources::keyspace
