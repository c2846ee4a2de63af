#pragma once
// CeleryOptions: one Celery-on-Redis source ("kind": "celery"). Plain data; its reader is
// config/celery_reader.cc.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "redis/options.h"
#include "sources/celery/event_stream.h"
#include "sources/source_options.h"

namespace queuemon::sources::celery::over_redis {

struct CeleryOptions final : SourceOptions {
  static constexpr std::string_view kKind = "celery";

  CeleryOptions() : SourceOptions("celery") {}
  std::string_view Kind() const override { return kKind; }
  std::unique_ptr<SourceOptions> Clone() const override;
  // A CelerySource (celery_source.cc).
  std::unique_ptr<Source> MakeSource(boost::asio::any_io_executor executor,
                                     const base::Clock& clock) const override;
  std::string Describe() const override;  // "broker <redacted URL>"

  redis::RedisOptions broker;          // broker connection
  // Result backend; url empty (the default) means the broker's connection serves results too.
  redis::RedisOptions result_backend = [] {
    redis::RedisOptions o;
    o.url.clear();
    return o;
  }();
  // Queues to report always, even when empty and unconsumed (others are discovered).
  std::vector<std::string> queues;
  // How often the `_kombu.binding.*` sets are scanned (SCAN, never KEYS) for queue names.
  std::chrono::milliseconds queue_discovery_interval{std::chrono::seconds(30)};
  // A discovered queue with no messages, unacked messages or consumers stays listed this long.
  std::chrono::milliseconds idle_queue_grace{std::chrono::minutes(5)};
  // kombu transport options that change key names.
  std::string global_keyprefix;            // prefixes every key (not pub/sub channels... see .cc)
  std::vector<int> priority_steps{0, 3, 6, 9};
  std::string sep = "\x06\x16";
  std::string pidbox_exchange = "celery.pidbox";
  std::string events_exchange = "celeryev";
  // Bound of one inspect broadcast round; it ends earlier once every receiver has replied.
  std::chrono::milliseconds inspect_timeout{1000};
  // Offline workers are dropped from the table this long after their last heartbeat.
  std::chrono::milliseconds purge_offline_after{std::chrono::minutes(10)};
  // Replies/events larger than this are skipped as malformed.
  std::size_t max_reply_bytes = 4 * 1024 * 1024;
  // Task events: celery-exporter's metrics and the live task table (config "task_events").
  TaskEventsOptions task_events;
};

}  // namespace queuemon::sources::celery::over_redis
