#pragma once
// CelerySource: the Source of one Celery app, whatever its broker. Owns the event stream (the
// live worker and task tables and the task metrics, with the periodic check for silent
// workers) and builds every view from the inspect replies, the tables and what its transport
// (transport.h: Redis or AMQP) reads from the broker.
//
// Views and what one Collect() costs (never the same pidbox method twice per collection):
//   workers  events table + one round {stats, active_queues}
//   queues   one round {active_queues} + the transport's queue read
//   tasks    one round {active, reserved, scheduled}
//   task     the result backend (id checked with ValidTaskId -> kInvalidArgument); when it has
//            nothing yet, the live state from the task events
//   recent   the task table (no I/O), filtered
//   task_stats  the task table's per-name statistics (no I/O)
//   summary  one round {stats, active_queues, active, reserved, scheduled} + the queue read
//   health   one broker round trip (rtt) + one round {ping}; never fails on a down broker
// Errors: the transport's (broker down, deadline); after Stop() -> sources::Errc::kShuttingDown.
// Malformed worker replies/events are counted in Stats().malformed_replies and skipped; they
// never fail a view.
//
// Thread-safety: as Source (Collect from any thread, concurrently).

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "sources/celery/event_stream.h"
#include "sources/celery/view_builder.h"
#include "sources/celery/transport.h"
#include "sources/collection_counters.h"
#include "sources/source.h"

namespace queuemon::sources::celery {

// What the broker-neutral part takes from a Celery source's options.
struct CelerySettings {
  std::string name;
  TaskEventsOptions task_events;
  std::chrono::milliseconds purge_offline_after{std::chrono::minutes(10)};
  std::size_t max_reply_bytes = 4 * 1024 * 1024;
};

class CelerySource : public Source {
 public:
  // How often silent workers are looked for: their offline state shows this much after
  // 2 x their heartbeat frequency at the latest.
  static constexpr std::chrono::milliseconds kExpiryCheckPeriod{250};
  // How long after its worker-offline event a worker is not waited for by inspect rounds.
  static constexpr std::chrono::seconds kDepartureGrace{60};

  // REQUIRES: `clock` outlives the source.
  CelerySource(boost::asio::any_io_executor executor, CelerySettings settings,
               std::unique_ptr<CeleryTransport> transport, const base::Clock& clock);
  ~CelerySource() override;

  std::string_view Name() const override { return settings_.name; }
  std::string_view Kind() const override { return "celery"; }
  void Start() override;
  void Stop() override;
  boost::asio::awaitable<boost::system::result<Collected>> Collect(ViewRequest request) override;
  SourceStats Stats() const override;
  MetricStyle Style() const override { return style_; }
  std::shared_ptr<const std::vector<MetricFamily>> Families() override;
  std::vector<MetricFamily> ViewFamilies(const WorkersView* workers,
                                         const QueuesView* queues) const override;
  void SetChangeListener(ChangeListener listener) override;

  const EventStream& stream() const { return *stream_; }

 private:
  using Result = boost::system::result<Collected>;
  boost::asio::awaitable<Result> CollectView(const ViewRequest& request);
  boost::asio::awaitable<boost::system::result<ParsedReplies>> Inspect(
      std::vector<InspectMethod> methods);
  RoundHints HintsForRound() const;
  void RememberRepliers(const ParsedReplies& replies, bool complete);
  boost::asio::awaitable<boost::system::result<QueuesView>> ReadQueues(const ParsedReplies& replies);
  boost::asio::awaitable<Result> Workers();
  boost::asio::awaitable<Result> Queues();
  boost::asio::awaitable<Result> Tasks();
  boost::asio::awaitable<Result> Task(const std::string& task_id);
  Result RecentTasks(const std::string& canonical_query) const;
  Result TaskStats() const;
  boost::asio::awaitable<Result> Summary();
  boost::asio::awaitable<Result> Health();

  const CelerySettings settings_;
  const MetricStyle style_;  // from settings_.task_events.metrics, formatted once
  const base::Clock& clock_;
  boost::asio::any_io_executor executor_;
  // Shared with the transport's handlers and the expiry check, which may outlive a Stop() by
  // one turn.
  std::shared_ptr<EventStream> stream_;
  std::shared_ptr<std::atomic<bool>> stopped_;
  std::unique_ptr<CeleryTransport> transport_;
  bool started_ = false;

  CollectionCounters counters_;
  mutable base::Mutex repliers_mu_;
  std::set<std::string> last_repliers_ GUARDED_BY(repliers_mu_);  // of the latest inspect round
  std::atomic<std::uint64_t> malformed_{0};
};

}  // namespace queuemon::sources::celery
