#pragma once
// CeleryCollector: the Collector of one Celery app on Redis. Owns its Redis connections (one
// for commands, one for the result backend when that is a different URL, a small BRPOP pool in
// the inspector, one pub/sub subscriber for events) and the live worker table.
//
// Views and what one Collect() costs (never the same pidbox method twice per collection):
//   workers  events table + one round {stats, active_queues}
//   queues   one round {active_queues} + one pipeline (bindings, HLEN unacked, all LLENs)
//   tasks    one round {active, reserved, scheduled}
//   task     GET celery-task-meta-<id> (id checked with ValidTaskId -> kInvalidArgument)
//   summary  one round {stats, active_queues, active, reserved, scheduled} + the pipeline
//   health   PING (rtt) + one round {ping}; never fails on a down broker (reports unhealthy)
// Errors: broker down -> Errc::kUnavailable, deadline -> Errc::kTimeout (from RedisConnection);
// after Stop() -> Errc::kShuttingDown. Malformed worker replies/events are counted in
// Stats().malformed_replies and skipped; they never fail a view.
//
// Thread-safety: as Collector (Collect from any thread, concurrently).
// Usage (daemon.cc):
//   auto c = std::make_unique<CeleryCollector>(io.get_executor(), options, clock);
//   c->Start();  ...  auto snap = co_await c->Collect({View::kWorkers});  ...  c->Stop();

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "cache/clock.h"
#include "collectors/celery_events.h"
#include "collectors/celery_inspect.h"
#include "collectors/celery_keys.h"
#include "collectors/celery_options.h"
#include "collectors/celery_queues.h"
#include "collectors/celery_results.h"
#include "collectors/celery_views.h"
#include "collectors/collector.h"
#include "collectors/redis_connection.h"

namespace queuemon::collectors {

class CeleryCollector final : public Collector {
 public:
  // Throws std::invalid_argument when the broker URL has no valid db (startup only).
  // REQUIRES: `clock` outlives the collector.
  CeleryCollector(boost::asio::any_io_executor executor, CeleryOptions options,
                  const cache::Clock& clock);
  ~CeleryCollector() override;

  std::string_view Name() const override { return options_.name; }
  void Start() override;
  void Stop() override;
  boost::asio::awaitable<boost::system::result<Snapshot>> Collect(ViewRequest request) override;
  CollectorStats Stats() const override;

 private:
  using Result = boost::system::result<Snapshot>;
  boost::asio::awaitable<Result> CollectView(const ViewRequest& request);
  boost::asio::awaitable<boost::system::result<ParsedReplies>> Inspect(
      std::vector<InspectMethod> methods);
  boost::asio::awaitable<Result> Workers();
  boost::asio::awaitable<Result> Queues();
  boost::asio::awaitable<Result> Tasks();
  boost::asio::awaitable<Result> Task(const std::string& task_id);
  boost::asio::awaitable<Result> Summary();
  boost::asio::awaitable<Result> Health();
  void Record(bool ok, double seconds, bool broker_up);
  // `options` with a BrokerLinkMonitor on the broker (and on a separate result backend).
  static CeleryOptions WithLinkMonitors(CeleryOptions options);

  const CeleryOptions options_;
  const cache::Clock& clock_;
  const CeleryKeys keys_;
  RedisConnection commands_;
  std::unique_ptr<RedisConnection> backend_;  // null: the broker connection serves results
  CeleryEvents events_;
  CeleryInspector inspector_;
  CeleryQueues queues_;
  CeleryResults results_;
  std::atomic<bool> stopped_{false};

  mutable base::Mutex stats_mu_;
  CollectorStats stats_ GUARDED_BY(stats_mu_);  // malformed/broadcasts/workers filled on read
  std::atomic<std::uint64_t> malformed_{0};
};

}  // namespace queuemon::collectors
