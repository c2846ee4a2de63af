#pragma once
// CeleryOptions: one Celery-on-Redis source ("kind": "celery" with a redis:// or unix://
// broker). Plain data; its reader is config/celery_reader.cc.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "redis/options.h"
#include "sources/celery/app_options.h"

namespace queuemon::sources::celery::over_redis {

struct CeleryOptions final : CeleryAppOptions {
  std::unique_ptr<SourceOptions> Clone() const override;
  // A CelerySource over a RedisTransport (celery_source.cc).
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
  // How often the `_kombu.binding.*` sets are scanned (SCAN, never KEYS) for queue names.
  std::chrono::milliseconds queue_discovery_interval{std::chrono::seconds(30)};
  // kombu transport options that change key names.
  std::string global_keyprefix;            // prefixes every key (not pub/sub channels... see .cc)
  std::vector<int> priority_steps{0, 3, 6, 9};
  std::string sep = "\x06\x16";
};

}  // namespace queuemon::sources::celery::over_redis
