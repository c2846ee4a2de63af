#pragma once
// Celery on an AMQP broker (RabbitMQ): AmqpTransport (the CeleryTransport over one AmqpLink)
// and the source built on it. docs/celery-amqp-protocol.md has the wire facts.
//
// One AMQP connection (its own thread) carries everything: the event queue
// `celeryev.<uuid>` bound to the topic exchange `celeryev` with `#` and the pidbox reply queue,
// both consumed for the link's life (exclusive, auto-delete, with message TTL and expiry as
// Celery's own), the pidbox requests and the passive declarations. What a call costs:
//   Round   one exchange.declare (the round trip that proves the broker alive) + the
//           publishes; then replies until every awaited worker answered (or the deadline)
//   Queues  one management GET, or passive declarations (two round trips per 256 queues)
//   Lookup  GET celery-task-meta-<id> on the Redis result backend; without one, PENDING
//   Ping    basic.qos on the call channel
// Errors: amqp::Errc (kUnavailable, kTimeout, kAuthFailed, ...), redis::Errc from the backend.

#include <boost/asio/any_io_executor.hpp>
#include <atomic>
#include <memory>

#include "amqp/link.h"
#include "base/clock.h"
#include "redis/connection.h"
#include "sources/celery/amqp/inspector.h"
#include "sources/celery/amqp/options.h"
#include "sources/celery/amqp/queues.h"
#include "sources/celery/celery_source.h"
#include "sources/celery/redis/results.h"
#include "sources/celery/transport.h"

namespace queuemon::sources::celery::over_amqp {

class AmqpTransport final : public CeleryTransport {
 public:
  // Throws std::invalid_argument for a broker URL the client refuses (startup only).
  // REQUIRES: `clock` outlives the transport.
  AmqpTransport(boost::asio::any_io_executor executor, CeleryAmqpOptions options,
                const base::Clock& clock);
  ~AmqpTransport() override;

  void Start(std::shared_ptr<EventStream> stream) override;
  void Stop() override;
  boost::asio::awaitable<boost::system::result<InspectRound>> Round(
      std::vector<InspectMethod> methods, RoundHints hints) override;
  boost::asio::awaitable<boost::system::result<QueuesView>> Queues(
      std::vector<std::string> consumed) override;
  boost::asio::awaitable<boost::system::result<TaskResult>> Lookup(std::string task_id) override;
  boost::asio::awaitable<boost::system::result<void>> PingBroker() override;
  bool CountsConsumers() const override { return true; }
  bool IsBrokerDown(const boost::system::error_code& ec) const override;
  void AddStats(SourceStats& stats) const override;

 private:
  static CeleryAmqpOptions WithLinkMonitors(CeleryAmqpOptions options);
  amqp::ConsumerSpec EventConsumer(std::weak_ptr<EventStream> stream) const;

  const CeleryAmqpOptions options_;
  amqp::AmqpLink link_;
  std::unique_ptr<redis::RedisConnection> backend_;  // null: no result backend
  std::unique_ptr<over_redis::CeleryResults> results_;
  AmqpInspector inspector_;
  AmqpQueues queues_;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};
};

}  // namespace queuemon::sources::celery::over_amqp
