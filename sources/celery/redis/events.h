#pragma once
// CeleryEvents: the event subscription of one Celery app. One redis::RedisSubscriber PSUBSCRIBEs to
// `/<db>.celeryev/*` (with global_keyprefix) for the owner's life and feeds every message into
// an EventStream (workers, tasks, task metrics); the subscriber reconnects and resubscribes by
// itself after a broker outage (Redis also drops a subscriber that falls behind, past
// client-output-buffer-limit pubsub: the stream counts each such reset).
//
// While the subscription is down no heartbeats arrive, so workers turn "offline" after 2 x freq
// in the table; `connected()` lets views tell "broker unreachable" from "workers gone".
// Thread-safety: Start/Stop from the owner's thread; table() and connected() from any thread.

#include <atomic>
#include <chrono>
#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "base/clock.h"
#include "sources/celery/redis/keys.h"
#include "sources/celery/redis/options.h"
#include "redis/connection.h"
#include "sources/celery/event_stream.h"

namespace queuemon::sources::celery::over_redis {

class CeleryEvents final {
 public:
  // How often silent workers are looked for: their offline state shows this much after
  // 2 x their heartbeat frequency at the latest.
  static constexpr std::chrono::milliseconds kExpiryCheckPeriod{250};

  // REQUIRES: `clock` outlives this object.
  CeleryEvents(boost::asio::any_io_executor executor, const CeleryOptions& options,
               const CeleryKeys& keys, const base::Clock& clock);
  ~CeleryEvents();

  // Starts the subscription and the periodic check for workers whose heartbeats stopped
  // (EventStream::CheckExpired, every kExpiryCheckPeriod).
  void Start();
  void Stop();  // idempotent
  WorkerTable& table() { return stream_->workers(); }
  const WorkerTable& table() const { return stream_->workers(); }
  EventStream& stream() { return *stream_; }
  const EventStream& stream() const { return *stream_; }
  bool connected() const { return connected_->load(std::memory_order_relaxed); }

 private:
  // Shared with the subscriber's handlers, which may outlive a Stop() by one strand turn.
  std::shared_ptr<EventStream> stream_;
  std::shared_ptr<std::atomic<bool>> connected_;
  std::shared_ptr<std::atomic<bool>> stopped_;  // ends the expiry check
  boost::asio::any_io_executor executor_;
  std::unique_ptr<redis::RedisSubscriber> subscriber_;
  bool started_ = false;
};

}  // namespace queuemon::sources::celery::over_redis
