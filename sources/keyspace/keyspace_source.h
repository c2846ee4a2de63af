#pragma once
// KeyspaceSource: the skeleton of a source whose whole state lives in a job-queue library's
// Redis keys (RQ, Sidekiq): one RedisConnection (with a link monitor for /metrics), the
// collection counters of SourceStats, and every view built from three reads a kind provides
// (its workers with the jobs they run, its queues, one job): workers, queues, tasks (jobs by
// state and the running ones), task, summary, and health (PING and the live workers). A kind
// reads with read-only commands only: nothing it sends writes to the monitored Redis.
//
// Thread-safety: as Source (Collect from any thread, concurrently; RedisConnection pipelines).

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "base/clock.h"
#include "redis/connection.h"
#include "sources/collection_counters.h"
#include "sources/source.h"

namespace queuemon::sources::keyspace {

class KeyspaceSource : public Source {
 public:
  using Result = boost::system::result<Collected>;

  // `kind` names the link in logs ("rq[name] broker"). Throws std::invalid_argument when the
  // URL has no valid db (startup only). REQUIRES: `clock` outlives the source.
  KeyspaceSource(boost::asio::any_io_executor executor, std::string name, std::string kind,
                 redis::RedisOptions redis, const base::Clock& clock);
  ~KeyspaceSource() override;

  std::string_view Name() const final { return name_; }
  std::string_view Kind() const final { return kind_; }
  void Start() override {}
  void Stop() override;
  boost::asio::awaitable<Result> Collect(ViewRequest request) final;
  SourceStats Stats() const override;
  // The connection's own counters (commands, round trips), for tests and benchmarks.
  redis::RedisConnectionStats ConnectionStats() const { return redis_.Stats(); }

 protected:
  template <typename T>
  using Awaitable = boost::asio::awaitable<boost::system::result<T>>;
  struct Workers {
    WorkersView view;
    std::vector<RunningJob> running;  // at least id and worker of each job they run
  };
  // The kind's reads. A broker error fails them; odd data reads as missing.
  virtual Awaitable<Workers> ReadWorkers() = 0;
  virtual Awaitable<QueuesView> ReadQueues() = 0;
  // REQUIRES: ValidTaskId(id). An unknown id is a JobInfo with found == false.
  virtual Awaitable<JobInfo> ReadJob(const std::string& id) = 0;
  // The running jobs' other fields, where ReadWorkers has only their ids (one more round).
  virtual Awaitable<std::vector<RunningJob>> CompleteRunning(std::vector<RunningJob> running) {
    co_return running;
  }

  redis::RedisConnection& redis() { return redis_; }

 private:
  boost::asio::awaitable<Result> CollectView(const ViewRequest& request);
  Awaitable<Workers> ReadWorkersNoted();
  boost::asio::awaitable<Result> Jobs();
  boost::asio::awaitable<Result> Summary();
  boost::asio::awaitable<Result> Health();

  const std::string name_;
  const std::string kind_;
  const redis::RedisOptions options_;  // with its link monitor
  const base::Clock& clock_;
  redis::RedisConnection redis_;
  std::atomic<bool> stopped_{false};

  CollectionCounters counters_;
};

}  // namespace queuemon::sources::keyspace
