#pragma once
// Celery on a Redis broker: RedisTransport (the CeleryTransport over kombu's Redis layout) and
// CelerySource, the broker-neutral celery::CelerySource built on it.
//
// RedisTransport owns its Redis connections (one for commands, one for the result backend when
// that is a different URL, a small BRPOP pool in the inspector, one pub/sub subscriber for
// events). What it costs per call:
//   Round   one pipeline (SADD binding, PUBLISH per method) + BRPOP until every receiver
//           replied (or the deadline) + cleanup
//   Queues  the pipeline of CeleryQueues (bindings, HLEN unacked, all LLENs)
//   Lookup  GET celery-task-meta-<id>
//   Ping    PING
// Errors: broker down -> redis::Errc::kUnavailable, deadline -> redis::Errc::kTimeout.
//
// Built by CeleryOptions::MakeSource (the daemon does not name the kind):
//   auto c = options.MakeSource(io.get_executor(), clock);
//   c->Start();  ...  auto view = co_await c->Collect({View::kWorkers});  ...  c->Stop();

#include <boost/asio/any_io_executor.hpp>
#include <initializer_list>
#include <memory>

#include "base/clock.h"
#include "redis/connection.h"
#include "sources/celery/celery_source.h"
#include "sources/celery/redis/events.h"
#include "sources/celery/redis/inspector.h"
#include "sources/celery/redis/keys.h"
#include "sources/celery/redis/options.h"
#include "sources/celery/redis/queues.h"
#include "sources/celery/redis/results.h"
#include "sources/celery/transport.h"

namespace queuemon::sources::celery::over_redis {

class RedisTransport final : public CeleryTransport {
 public:
  // Throws std::invalid_argument when the broker URL has no valid db (startup only).
  // REQUIRES: `clock` outlives the transport.
  RedisTransport(boost::asio::any_io_executor executor, CeleryOptions options,
                 const base::Clock& clock);
  ~RedisTransport() override;

  void Start(std::shared_ptr<EventStream> stream) override;
  void Stop() override;
  boost::asio::awaitable<boost::system::result<InspectRound>> Round(
      std::vector<InspectMethod> methods, RoundHints hints) override;
  boost::asio::awaitable<boost::system::result<QueuesView>> Queues(
      std::vector<std::string> consumed) override;
  boost::asio::awaitable<boost::system::result<TaskResult>> Lookup(std::string task_id) override;
  boost::asio::awaitable<boost::system::result<void>> PingBroker() override;
  bool IsBrokerDown(const boost::system::error_code& ec) const override;
  void AddStats(SourceStats& stats) const override;

 private:
  // `options` with a redis::BrokerLinkMonitor on the broker (and on a separate result backend).
  static CeleryOptions WithLinkMonitors(CeleryOptions options);

  const CeleryOptions options_;
  const CeleryKeys keys_;
  redis::RedisConnection commands_;
  std::unique_ptr<redis::RedisConnection> backend_;  // null: the broker connection serves results
  CeleryEvents events_;
  CeleryInspector inspector_;
  CeleryQueues queues_;
  CeleryResults results_;
  bool stopped_ = false;
};

// Adds what the monitors of a source's broker links counted (failed dials, lost links,
// reconnects; the longest backoff) to `stats`. Null monitors are skipped.
void AddLinkStats(std::initializer_list<const redis::BrokerLinkMonitor*> monitors,
                  SourceStats& stats);

// The Source of one Celery app on Redis.
class CelerySource final : public celery::CelerySource {
 public:
  CelerySource(boost::asio::any_io_executor executor, CeleryOptions options,
               const base::Clock& clock);
};

}  // namespace queuemon::sources::celery::over_redis
