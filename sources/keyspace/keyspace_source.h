#pragma once
// KeyspaceSource: the skeleton of a source whose whole state lives in a job-queue library's
// Redis keys (RQ, Sidekiq): one RedisConnection (with a link monitor for /metrics), the
// collection counters of SourceStats, and the health view (PING, plus the workers the kind
// counts alive). A kind derives from it and answers the other views in CollectView with
// read-only commands only: nothing it sends writes to the monitored Redis.
//
// Thread-safety: as Source (Collect from any thread, concurrently; RedisConnection pipelines).

#include <atomic>
#include <cstdint>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "redis/connection.h"
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
  // Every view but kHealth; a view the kind does not have answers Errc::kNotFound.
  virtual boost::asio::awaitable<Result> CollectView(const ViewRequest& request) = 0;
  // The workers alive now (one collection of the kind's worker keys), for the health view.
  virtual boost::asio::awaitable<boost::system::result<std::int64_t>> CountOnline() = 0;

  // The workers a collection found alive (SourceStats::workers_online).
  void NoteWorkersOnline(std::int64_t online);
  redis::RedisConnection& redis() { return redis_; }
  const base::Clock& clock() const { return clock_; }

 private:
  boost::asio::awaitable<Result> Health();
  void Record(bool ok, double seconds, bool broker_up);

  const std::string name_;
  const std::string kind_;
  const redis::RedisOptions options_;  // with its link monitor
  const base::Clock& clock_;
  redis::RedisConnection redis_;
  std::atomic<bool> stopped_{false};

  mutable base::Mutex stats_mu_;
  SourceStats stats_ GUARDED_BY(stats_mu_);
};

}  // namespace queuemon::sources::keyspace
