#pragma once
// AmqpQueues: queue figures of one Celery app on RabbitMQ, listed by QueueListing's rule.
//   with management_url: ONE GET of the vhost's queues (ready, unacknowledged, consumers);
//     every queue of the vhost is a candidate except the ones Celery and queuemon declare for
//     themselves (`*.pidbox` request and reply queues, `celeryev.*` event queues); when the
//     API fails (down, 401, a bad answer) the read falls back to passive declarations, with a
//     warning when it starts failing and a note when it answers again;
//   without: one passive queue.declare per candidate (configured, consumed, listed lately) in
//     AmqpLink's pipelined bursts (two round trips per 256 queues): ready messages and
//     consumers; unacked stays unknown (null).
// A queue the broker does not have is left out, unless it is configured (then listed empty).
// `messages` is the ready count (what a worker has not yet received), as celery-exporter's
// celery_queue_length; `unacked` the prefetched, acks_late and ETA messages workers hold.
// Thread-safety: Collect() may run concurrently.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <atomic>
#include <string>
#include <vector>

#include "amqp/link.h"
#include "base/clock.h"
#include "sources/celery/amqp/options.h"
#include "sources/celery/queue_listing.h"
#include "sources/typed_views.h"

namespace queuemon::sources::celery::over_amqp {

// Whether `name` is a queue Celery or queuemon declares for itself (never listed).
bool IsInternalQueue(const std::string& name, const std::string& pidbox_exchange,
                     const std::string& events_exchange);

class AmqpQueues final {
 public:
  // REQUIRES: `link` and `clock` outlive this object.
  AmqpQueues(boost::asio::any_io_executor executor, const CeleryAmqpOptions& options,
             std::string vhost, amqp::AmqpLink& link, const base::Clock& clock);

  boost::asio::awaitable<boost::system::result<QueuesView>> Collect(
      std::vector<std::string> consumed);

 private:
  boost::asio::awaitable<boost::system::result<std::vector<QueueInfo>>> FromManagement();
  boost::asio::awaitable<boost::system::result<std::vector<QueueInfo>>> FromDeclares(
      std::vector<std::string> candidates);

  void NoteManagementAnswer(const boost::system::error_code& ec);

  boost::asio::any_io_executor executor_;
  const CeleryAmqpOptions& options_;
  const std::string vhost_;
  amqp::AmqpLink& link_;
  QueueListing listing_;
  std::atomic<bool> management_failing_{false};
};

}  // namespace queuemon::sources::celery::over_amqp
