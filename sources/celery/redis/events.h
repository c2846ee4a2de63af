#pragma once
// CeleryEvents: the event subscription of one Celery app on Redis. One redis::RedisSubscriber
// PSUBSCRIBEs to `/<db>.celeryev/*` (with global_keyprefix) from Start() until Stop() and feeds
// every message into the source's EventStream; the subscriber reconnects and resubscribes by
// itself after a broker outage (Redis also drops a subscriber that falls behind, past
// client-output-buffer-limit pubsub: the stream counts each such reset).
// Thread-safety: Start/Stop from the owner's thread.

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "sources/celery/event_stream.h"
#include "sources/celery/redis/keys.h"
#include "sources/celery/redis/options.h"
#include "redis/connection.h"

namespace queuemon::sources::celery::over_redis {

class CeleryEvents final {
 public:
  CeleryEvents(boost::asio::any_io_executor executor, const CeleryOptions& options,
               const CeleryKeys& keys);
  ~CeleryEvents();

  // Subscribes; messages go to `stream` while it lives.
  void Start(std::shared_ptr<EventStream> stream);
  void Stop();  // idempotent

 private:
  boost::asio::any_io_executor executor_;
  const CeleryOptions& options_;
  const std::string pattern_;
  std::unique_ptr<redis::RedisSubscriber> subscriber_;
};

}  // namespace queuemon::sources::celery::over_redis
