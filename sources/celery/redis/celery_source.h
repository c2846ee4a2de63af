#pragma once
// CelerySource: the Source of one Celery app on Redis. Owns its Redis connections (one
// for commands, one for the result backend when that is a different URL, a small BRPOP pool in
// the inspector, one pub/sub subscriber for events) and the live worker table.
//
// Views and what one Collect() costs (never the same pidbox method twice per collection):
//   workers  events table + one round {stats, active_queues}
//   queues   one round {active_queues} + one pipeline (bindings, HLEN unacked, all LLENs)
//   tasks    one round {active, reserved, scheduled}
//   task     GET celery-task-meta-<id> (id checked with ValidTaskId -> kInvalidArgument); when
//            the backend has nothing yet, the live state from the task events
//   recent   the task table (no I/O), filtered
//   task_stats  the task table's per-name statistics (no I/O)
//   summary  one round {stats, active_queues, active, reserved, scheduled} + the pipeline
//   health   PING (rtt) + one round {ping}; never fails on a down broker (reports unhealthy)
// Errors: broker down -> redis::Errc::kUnavailable, deadline -> redis::Errc::kTimeout (from redis::RedisConnection);
// after Stop() -> sources::Errc::kShuttingDown. Malformed worker replies/events are counted in
// Stats().malformed_replies and skipped; they never fail a view.
//
// Thread-safety: as Source (Collect from any thread, concurrently).
// Built by CeleryOptions::MakeSource (the daemon does not name the kind):
//   auto c = options.MakeSource(io.get_executor(), clock);
//   c->Start();  ...  auto view = co_await c->Collect({View::kWorkers});  ...  c->Stop();

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <set>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "base/clock.h"
#include "sources/celery/redis/events.h"
#include "sources/celery/redis/inspector.h"
#include "sources/celery/redis/keys.h"
#include "sources/celery/redis/options.h"
#include "sources/celery/redis/queues.h"
#include "sources/celery/redis/results.h"
#include "sources/celery/view_builder.h"
#include "sources/collection_counters.h"
#include "sources/source.h"
#include "redis/connection.h"

namespace queuemon::sources::celery::over_redis {

class CelerySource final : public Source {
 public:
  // Throws std::invalid_argument when the broker URL has no valid db (startup only).
  // REQUIRES: `clock` outlives the source.
  CelerySource(boost::asio::any_io_executor executor, CeleryOptions options,
                  const base::Clock& clock);
  ~CelerySource() override;

  std::string_view Name() const override { return options_.name; }
  std::string_view Kind() const override { return "celery"; }
  void Start() override;
  void Stop() override;
  boost::asio::awaitable<boost::system::result<Collected>> Collect(ViewRequest request) override;
  SourceStats Stats() const override;
  MetricStyle Style() const override;
  std::shared_ptr<const std::vector<MetricFamily>> Families() override;
  std::vector<MetricFamily> ViewFamilies(const WorkersView* workers,
                                         const QueuesView* queues) const override;
  void SetChangeListener(ChangeListener listener) override;

 private:
  using Result = boost::system::result<Collected>;
  boost::asio::awaitable<Result> CollectView(const ViewRequest& request);
  boost::asio::awaitable<boost::system::result<ParsedReplies>> Inspect(
      std::vector<InspectMethod> methods);
  RoundHints HintsForRound() const;
  void RememberRepliers(const ParsedReplies& replies, bool complete);
  // How long after its worker-offline event a worker is not waited for by inspect rounds.
  static constexpr std::chrono::seconds kDepartureGrace{60};
  boost::asio::awaitable<Result> Workers();
  boost::asio::awaitable<Result> Queues();
  boost::asio::awaitable<Result> Tasks();
  boost::asio::awaitable<Result> Task(const std::string& task_id);
  Result RecentTasks(const std::string& canonical_query) const;
  Result TaskStats() const;
  boost::asio::awaitable<Result> Summary();
  boost::asio::awaitable<Result> Health();
  // `options` with a redis::BrokerLinkMonitor on the broker (and on a separate result backend).
  static CeleryOptions WithLinkMonitors(CeleryOptions options);

  const CeleryOptions options_;
  const MetricStyle style_;  // from options_.task_events.metrics, formatted once
  const base::Clock& clock_;
  const CeleryKeys keys_;
  redis::RedisConnection commands_;
  std::unique_ptr<redis::RedisConnection> backend_;  // null: the broker connection serves results
  CeleryEvents events_;
  CeleryInspector inspector_;
  CeleryQueues queues_;
  CeleryResults results_;
  std::atomic<bool> stopped_{false};

  CollectionCounters counters_;  // malformed/broadcasts/workers/events filled on read
  mutable base::Mutex repliers_mu_;
  std::set<std::string> last_repliers_ GUARDED_BY(repliers_mu_);  // of the latest inspect round
  std::atomic<std::uint64_t> malformed_{0};
};

}  // namespace queuemon::sources::celery::over_redis
