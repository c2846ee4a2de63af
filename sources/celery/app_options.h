#pragma once
// CeleryAppOptions: what every Celery source is configured with, whatever its broker. The
// transports' options derive from it (celery/redis/options.h, celery/amqp/options.h); the kind
// is "celery" for both, and the broker URL's scheme picks the transport (config/celery_reader.cc).

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "sources/celery/celery_source.h"
#include "sources/celery/event_stream.h"
#include "sources/source_options.h"

namespace queuemon::sources::celery {

struct CeleryAppOptions : SourceOptions {
  static constexpr std::string_view kKind = "celery";
  std::string_view Kind() const override { return kKind; }

  // Queues to report always, even when empty and unconsumed (others are discovered).
  std::vector<std::string> queues;
  std::string pidbox_exchange = "celery.pidbox";
  std::string events_exchange = "celeryev";
  // Bound of one inspect broadcast round; it ends earlier once every expected reply arrived.
  std::chrono::milliseconds inspect_timeout{1000};
  // Offline workers are dropped from the table this long after their last heartbeat.
  std::chrono::milliseconds purge_offline_after{std::chrono::minutes(10)};
  // A discovered queue with no messages, unacked messages or consumers stays listed this long.
  std::chrono::milliseconds idle_queue_grace{std::chrono::minutes(5)};
  // Replies/events larger than this are skipped as malformed.
  std::size_t max_reply_bytes = 4 * 1024 * 1024;
  // Task events: celery-exporter's metrics and the live task table (config "task_events").
  TaskEventsOptions task_events;

  // The broker-neutral part's settings.
  CelerySettings Settings() const {
    return CelerySettings{name, task_events, purge_offline_after, max_reply_bytes};
  }

 protected:
  CeleryAppOptions() : SourceOptions("celery") {}
};

}  // namespace queuemon::sources::celery
