#pragma once
// CeleryTransport: what a Celery source needs of its broker, one implementation per transport
// (celery/redis/: kombu's Redis layout; celery/amqp/: RabbitMQ). Everything else — the worker
// and task tables fed by the events, the inspect replies, the views — is broker-neutral and
// lives in CelerySource (celery_source.h).
//
// Thread-safety: as Source: the coroutines may run concurrently from any io_context thread.

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sources/celery/event_stream.h"
#include "sources/source.h"
#include "sources/typed_views.h"

namespace queuemon::sources::celery {

struct InspectMethod {
  std::string method;  // "stats", "active_queues", ...
  std::string arguments_json = "{}";
};

// What the source knows of the workers, so a round need not wait out its deadline.
// `awaited` is every worker known alive (online by its heartbeats, or replied to the last
// round) minus `departed`, the workers that announced worker-offline moments ago: Celery stops
// its heartbeat (sending worker-offline) before it stops its remote control, so its pidbox
// subscription may still count it as a receiver.
// Over Redis, PUBLISH counts the receivers, so a round waits for that many replies and the
// hints only let it stop early when every awaited worker replied and the replies still missing
// are no more than the departed workers that did not reply (at least one worker awaited).
// Over AMQP the fanout has no receiver count: a round is complete once every awaited worker
// replied to every method, and with nobody awaited it waits for its deadline.
struct RoundHints {
  std::set<std::string> awaited;
  std::set<std::string> departed;
};

struct InspectRound {
  std::map<std::string, std::vector<std::string>> bodies;  // method -> decoded reply bodies
  std::map<std::string, std::int64_t> receivers;           // method -> receivers (Redis only)
  std::uint64_t malformed = 0;                             // undecodable/foreign replies
  bool complete = false;                                   // every expected reply arrived
};

class CeleryTransport {
 public:
  virtual ~CeleryTransport() = default;

  // Starts the event subscription, which feeds `stream` (OnMessage or OnBody, OnSubscription)
  // until Stop(). Called once.
  virtual void Start(std::shared_ptr<EventStream> stream) = 0;
  // Stops the subscription and closes the links; later calls fail with an error. Idempotent.
  virtual void Stop() = 0;
  // One pidbox broadcast round of `methods` to every worker, bounded by the source's
  // inspect_timeout; a round cut short by its deadline is not an error (complete == false).
  virtual boost::asio::awaitable<boost::system::result<InspectRound>> Round(
      std::vector<InspectMethod> methods, RoundHints hints) = 0;
  // The queues to list and their depths; `consumed` are the queues workers consume now.
  // `consumers` is left for the caller to fill from the inspect replies unless the broker
  // counts them itself (AMQP).
  virtual boost::asio::awaitable<boost::system::result<QueuesView>> Queues(
      std::vector<std::string> consumed) = 0;
  // One task's stored result (PENDING when the backend has none, or there is no backend);
  // sources::Errc::kInvalidArgument for an id ValidTaskId refuses.
  virtual boost::asio::awaitable<boost::system::result<TaskResult>> Lookup(
      std::string task_id) = 0;
  // One round trip to the broker.
  virtual boost::asio::awaitable<boost::system::result<void>> PingBroker() = 0;
  // Whether the broker counts each queue's consumers itself (then Queues() fills them).
  virtual bool CountsConsumers() const { return false; }
  // Whether `ec` means the broker could not be used at all.
  virtual bool IsBrokerDown(const boost::system::error_code& ec) const = 0;
  // Adds the transport's counters (remote-control requests, broker links) to `stats`.
  virtual void AddStats(SourceStats& stats) const = 0;
};

}  // namespace queuemon::sources::celery
