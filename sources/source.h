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

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "sources/typed_views.h"
#include "sources/views.h"

namespace queuemon::sources {

struct ViewRequest {
  View view = View::kWorkers;
  std::string task_id;  // kTask only; checked with ValidTaskId first
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
};

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
};

}  // namespace queuemon::sources
