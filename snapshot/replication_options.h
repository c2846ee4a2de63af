#pragma once
// ReplicationOptions: how replicas share one snapshot through Redis (README "Running several
// replicas"). Plain data; config/ fills it. Off when `redis.url` is empty.

#include <chrono>
#include <string>

#include "redis/options.h"

namespace queuemon::snapshot {

struct ReplicationOptions {
  ReplicationOptions() { redis.url.clear(); }  // off unless configured

  redis::RedisOptions redis;  // url empty: replication off
  // Every key and channel starts with "<prefix>:<source>:" (several deployments may share one
  // Redis with their own prefixes).
  std::string prefix = "queuemon";
  // How long a collector lease lasts without renewal; renewed every third of it. A replica that
  // dies leaves its source without a collector for at most this long.
  std::chrono::milliseconds lease{10'000};
  // This replica's name in the lease and in /metrics; empty: "<hostname>:<pid>".
  std::string replica_id;

  bool enabled() const { return !redis.url.empty(); }
};

}  // namespace queuemon::snapshot
