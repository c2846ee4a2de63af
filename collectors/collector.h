#pragma once
// Collector: one monitored source (a Celery app on one broker). The daemon registers collectors
// in an explicit list (daemon.cc) and asks them for views; each view comes back serialized once
// (Snapshot::body) together with its typed form (for /metrics and STATUS= lines).
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

#include "collectors/sample.h"

namespace queuemon::collectors {

enum class View { kWorkers, kQueues, kTasks, kTask, kSummary, kHealth };

// The cache key of a view: "workers", "queues", "tasks", "summary", "health", "task:<id>".
std::string ViewKey(View view, std::string_view task_id = {});

struct ViewRequest {
  View view = View::kWorkers;
  std::string task_id;  // kTask only; validate with ValidateTaskId first
};

struct Snapshot {
  std::string body;  // the view as JSON, serialized once per collection
  // The body without its collection time (Serialized::identity); empty: the body identifies
  // itself. The cache derives the ETag from it, so equal data keeps its ETag.
  std::string identity;
  ViewData data;     // the same view, typed
};

struct CollectorStats {
  std::uint64_t collections = 0;         // Collect() calls that returned a snapshot
  std::uint64_t errors = 0;              // Collect() calls that returned an error
  std::uint64_t malformed_replies = 0;   // worker replies/events skipped as undecodable
  std::uint64_t broadcasts = 0;          // pidbox PUBLISH commands sent
  double last_success_unix = 0;          // wall-clock seconds of the last successful collection
  double last_duration_seconds = 0;      // duration of the last collection
  bool up = false;                       // broker reachable at the last attempt
  std::size_t workers_online = 0;        // from the live worker table
  // Broker links (commands, inspect pool, event subscription, result backend), summed over
  // them; see collectors/broker_link_monitor.h.
  std::uint64_t broker_connect_failures = 0;  // dials that failed
  std::uint64_t broker_disconnects = 0;       // established links lost (EOF, error, deadline)
  std::uint64_t broker_reconnects = 0;        // links answering again after a failure or loss
  double broker_backoff_seconds = 0;          // retry delay of a link that is down; 0 when up
};

class Collector {
 public:
  virtual ~Collector() = default;
  virtual std::string_view Name() const = 0;
  // Starts background work (the event subscription). Called once before the first Collect.
  virtual void Start() = 0;
  // Stops background work; in-flight Collect calls finish with an error soon after.
  virtual void Stop() = 0;
  virtual boost::asio::awaitable<boost::system::result<Snapshot>> Collect(ViewRequest request) = 0;
  virtual CollectorStats Stats() const = 0;
};

// A task id is accepted if it is 1..155 chars of [A-Za-z0-9_.:@-] (Celery ids are uuid4 by
// default, but apps may set their own). Anything else could address other Redis keys.
bool ValidTaskId(std::string_view id);

}  // namespace queuemon::collectors
