#pragma once
// QueueBindings: the queues one Celery app's exchanges route to, read from kombu's binding sets
// `_kombu.binding.<exchange>` (celery-redis-protocol.md §1). An idle queue has no list key, so
// its binding is the only trace of it; a queue that tasks were sent to but that no worker
// consumes is found here too.
//
// DiscoverBindings walks the key space with SCAN MATCH <prefix>_kombu.binding.* (never KEYS,
// which blocks Redis), at most kMaxScanPages pages of COUNT 1000, then reads every set found
// with SMEMBERS in one pipeline. The pidbox and event exchanges are skipped: their members are
// the workers' mailboxes and gossip queues, not job queues.
// Thread-safety: QueueBindings is a value; DiscoverBindings may run concurrently.

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "sources/celery/redis/keys.h"
#include "sources/celery/redis/options.h"
#include "redis/connection.h"

namespace queuemon::sources::celery::over_redis {

inline constexpr std::size_t kMaxScanPages = 10'000;

struct QueueBindings {
  std::set<std::string> queues;
  // (exchange, routing key) -> the first queue bound with that routing key.
  std::map<std::pair<std::string, std::string>, std::string> routes;

  // The queue a message published to (exchange, routing_key) was delivered from: the bound
  // queue, or else the routing key itself (the default exchange routes by queue name).
  std::string QueueOf(const std::string& exchange, const std::string& routing_key) const;
};

// Pure: the bindings of `sets` (exchange name -> members of its binding set).
QueueBindings ParseBindings(const std::map<std::string, std::vector<std::string>>& sets,
                            const CeleryOptions& options);

// The glob pattern that matches exactly the binding sets under `prefix` (its *?[]\ escaped).
std::string BindingPattern(std::string_view prefix);

boost::asio::awaitable<boost::system::result<QueueBindings>> DiscoverBindings(
    redis::RedisConnection& redis, const CeleryKeys& keys, const CeleryOptions& options);

}  // namespace queuemon::sources::celery::over_redis
