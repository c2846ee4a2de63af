#pragma once
// RqSource: the Source of one RQ deployment on Redis, read-only (rq_layout.h has the keys).
// Round trips per collection, whatever the number of viewers (the cache stands in front):
//   workers  2: {SMEMBERS rq:workers}, {HGETALL of every worker}
//   queues   3: {SMEMBERS rq:queues, EXISTS rq:suspended}, {per queue LLEN, LINDEX 0, SCARD,
//               one count per registry}, {HGET enqueued_at of every queue's head job}
//   tasks    workers + queues + 1 {HMGET of every running job}: counts by state, running jobs
//   task     1: {HMGET rq:job:<id> ..., XREVRANGE rq:results:<id> + - COUNT 1}
//   summary  workers + queues;  health: PING + workers
// recent and task_stats (Celery task events) answer kNotFound.
//
// Thread-safety: as Source.

#include "sources/keyspace/keyspace_source.h"
#include "sources/rq/options.h"

namespace queuemon::sources::rq {

class RqSource final : public keyspace::KeyspaceSource {
 public:
  RqSource(boost::asio::any_io_executor executor, const RqOptions& options,
           const base::Clock& clock);
  MetricStyle Style() const override { return MetricStyle{"rq_", {}}; }
  std::vector<MetricFamily> ViewFamilies(const WorkersView* workers,
                                         const QueuesView* queues) const override;

 private:
  Awaitable<Workers> ReadWorkers() override;
  Awaitable<QueuesView> ReadQueues() override;
  Awaitable<JobInfo> ReadJob(const std::string& id) override;
  Awaitable<std::vector<RunningJob>> CompleteRunning(std::vector<RunningJob> running) override;
};

}  // namespace queuemon::sources::rq
