#include "sources/keyspace/views.h"

#include <algorithm>

namespace queuemon::sources::keyspace {

WorkersView BuildWorkersView(std::vector<WorkerInfo> workers, double now) {
  WorkersView view;
  view.timestamp = now;
  std::sort(workers.begin(), workers.end(),
            [](const WorkerInfo& a, const WorkerInfo& b) { return a.hostname < b.hostname; });
  for (const WorkerInfo& w : workers) (w.status == "online" ? view.online : view.offline) += 1;
  view.workers = std::move(workers);
  return view;
}

SummaryView BuildSummaryView(const WorkersView& workers, const QueuesView& queues, double now) {
  SummaryView s;
  s.timestamp = now;
  s.workers_online = workers.online;
  s.workers_offline = workers.offline;
  std::int64_t processed = 0;
  for (const WorkerInfo& w : workers.workers) {
    s.tasks_active += w.active.value_or(0);
    processed += w.processed.value_or(0);
  }
  // A deployment-wide counter (Sidekiq's stat:processed) outlives the workers; else their sum.
  s.processed = queues.processed_total.value_or(processed);
  const auto scheduled = queues.jobs.find("scheduled");
  s.tasks_scheduled = scheduled == queues.jobs.end() ? 0 : scheduled->second;
  s.queued_messages = queues.total_messages;
  s.queues = static_cast<std::int64_t>(queues.queues.size());
  s.jobs = queues.jobs;
  return s;
}

JobsView BuildJobsView(const QueuesView& queues, std::vector<RunningJob> running, double now) {
  JobsView v;
  v.timestamp = now;
  v.jobs = queues.jobs;
  for (const QueueInfo& q : queues.queues) v.by_queue[q.name] = q.jobs;
  std::sort(running.begin(), running.end(), [](const RunningJob& a, const RunningJob& b) {
    return std::tie(a.worker, a.id) < std::tie(b.worker, b.id);
  });
  v.running = std::move(running);
  return v;
}

}  // namespace queuemon::sources::keyspace
