#pragma once
// Source: one monitored job-queue system (e.g. a Celery app on one Redis broker). The daemon
// builds one per configured source (config's kind table) and asks it for the views of the
// table in views.h; each view comes back serialized once (Collected::body) together with its
// typed form (for /metrics and STATUS= lines). Nothing above this interface knows which kind
// of source it talks to.
//
// Thread-safety: Collect() may be called concurrently from any io_context thread; an
// implementation serializes what must be serialized itself. Start/Stop are called once each
// from the owner's thread.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "sources/changes.h"
#include "sources/metric_family.h"
#include "sources/typed_views.h"
#include "sources/views.h"

namespace queuemon::sources {

struct ViewRequest {
  View view = View::kWorkers;
  // The view's argument (ViewSpec::argument): kTask's id (checked with ValidTaskId),
  // kRecentTasks' TaskQuery::Canonical() text; empty otherwise.
  std::string argument;
};

// One view as collected.
struct Collected {
  std::string body;  // the view as JSON, serialized once per collection
  // The body without its collection time (Serialized::identity); empty: the body identifies
  // itself. The cache derives the ETag from it, so equal data keeps its ETag.
  std::string identity;
  ViewData data;     // the same view, typed
};

struct SourceStats {
  std::uint64_t collections = 0;         // Collect() calls that returned a view
  std::uint64_t errors = 0;              // Collect() calls that returned an error
  std::uint64_t malformed_replies = 0;   // worker replies/events skipped as undecodable
  std::uint64_t worker_requests = 0;     // remote-control requests sent (Celery: pidbox broadcasts)
  double last_success_unix = 0;          // wall-clock seconds of the last successful collection
  double last_duration_seconds = 0;      // duration of the last collection
  bool up = false;                       // broker reachable at the last attempt
  std::size_t workers_online = 0;        // from the live worker table
  // Broker links (commands, inspect pool, event subscription, result backend), summed over
  // them; see redis/link_monitor.h.
  std::uint64_t broker_connect_failures = 0;  // dials that failed
  std::uint64_t broker_disconnects = 0;       // established links lost (EOF, error, deadline)
  std::uint64_t broker_reconnects = 0;        // links answering again after a failure or loss
  double broker_backoff_seconds = 0;          // retry delay of a link that is down; 0 when up
  // Events (sources with an event stream; 0 otherwise).
  std::uint64_t events_received = 0;             // events, each event of a batch counted
  std::uint64_t events_malformed = 0;            // messages/events that could not be decoded
  std::uint64_t event_subscription_resets = 0;   // established subscriptions lost
  std::uint64_t task_names_overflowed = 0;       // events counted under the overflow name
  std::uint64_t task_table_evictions = 0;        // tasks evicted to keep the byte budget
  std::size_t task_table_tasks = 0;
  std::size_t task_table_bytes = 0;
  std::size_t task_metric_series = 0;            // label sets of the task metrics
};

// A view serialized once, with its typed form.
template <typename View>
Collected MakeCollected(View view) {
  Collected out;
  Serialized serialized = Serialize(view);
  out.body = std::move(serialized.body);
  out.identity = std::move(serialized.identity);
  out.data = std::move(view);
  return out;
}

class Source {
 public:
  virtual ~Source() = default;
  // The configured name: the {source} of /api/v1/{source}/... and the `source` label.
  virtual std::string_view Name() const = 0;
  // The kind ("celery"): the prefix of its job-queue metric families (celery_worker_up, ...),
  // so that dashboards built for that system's usual exporter keep working.
  virtual std::string_view Kind() const = 0;
  // Starts background work (the event subscription). Called once before the first Collect.
  virtual void Start() = 0;
  // Stops background work; in-flight Collect calls finish with an error soon after.
  virtual void Stop() = 0;
  virtual boost::asio::awaitable<boost::system::result<Collected>> Collect(ViewRequest request) = 0;
  virtual SourceStats Stats() const = 0;
  // How the API names and labels this source's job-queue families (worker_up, queue_length,
  // ...): by default the kind as prefix ("celery_") and no static labels.
  virtual MetricStyle Style() const { return MetricStyle{std::string(Kind()) + "_", {}}; }
  // Families the source keeps itself (from events), rendered; null when it keeps none. The
  // same pointer comes back while nothing changed.
  virtual std::shared_ptr<const std::vector<MetricFamily>> Families() { return nullptr; }
  // The job-queue families of the source's kind (celery_worker_up, rq_jobs,
  // sidekiq_queue_latency_seconds, ...), from its workers and queues views as /metrics read them
  // through the cache (either null when absent), named and labelled as that system's usual
  // exporter does, with a `source` label. The API merges same-named families of all sources.
  virtual std::vector<MetricFamily> ViewFamilies(const WorkersView* /*workers*/,
                                                 const QueuesView* /*queues*/) const {
    return {};
  }
  // Who hears of the changes its event stream shows (changes.h). Called at most once, before
  // Start(); a source without events ignores it.
  virtual void SetChangeListener(ChangeListener /*listener*/) {}
};

}  // namespace queuemon::sources
