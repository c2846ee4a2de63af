#pragma once
// SidekiqSource: the Source of one Sidekiq deployment on Redis, read-only (sidekiq_layout.h has
// the keys). Round trips per collection, whatever the number of viewers:
//   workers  2: {SMEMBERS processes}, {per process HMGET info busy beat quiet, HGETALL of its
//               work hash (:workers; Sidekiq 7+: :work)}
//   queues   2: {SMEMBERS queues, stat:processed, stat:failed, ZCARD schedule|retry|dead,
//               SMEMBERS processes}, {per queue LLEN, LINDEX -1 (the oldest job: latency),
//               SISMEMBER paused; per process HMGET info busy}
//   tasks    workers + queues: jobs by state, and the jobs running now
//   task     Sidekiq keeps no index by job id (job_lookup.h): the running jobs (2), then ZSCAN
//            of retry, schedule and dead MATCH the jid, then the queues (LRANGE pages): at most
//            max_job_scan entries of each set and queue, as Sidekiq's own find_job does
//   summary  workers + queues;  health: PING + workers
// recent and task_stats (Celery task events) answer kNotFound.
//
// Thread-safety: as Source.

#include "sources/keyspace/keyspace_source.h"
#include "sources/sidekiq/options.h"
#include "sources/sidekiq/job_lookup.h"
#include "sources/sidekiq/sidekiq_layout.h"

namespace queuemon::sources::sidekiq {

class SidekiqSource final : public keyspace::KeyspaceSource {
 public:
  SidekiqSource(boost::asio::any_io_executor executor, const SidekiqOptions& options,
                const base::Clock& clock);
  MetricStyle Style() const override { return MetricStyle{"sidekiq_", {}}; }
  std::vector<MetricFamily> ViewFamilies(const WorkersView* workers,
                                         const QueuesView* queues) const override;

 private:
  Awaitable<Workers> ReadWorkers() override;
  Awaitable<QueuesView> ReadQueues() override;
  Awaitable<JobInfo> ReadJob(const std::string& jid) override;
  Awaitable<std::optional<JobInfo>> FindBusy(const std::string& jid);
  Awaitable<std::optional<JobInfo>> FindInSet(const std::string& jid, const JobSet& set);
  Awaitable<std::optional<JobInfo>> FindInQueues(const std::string& jid);

  const SidekiqKeys keys_;
  const std::size_t max_job_scan_;
};

}  // namespace queuemon::sources::sidekiq
