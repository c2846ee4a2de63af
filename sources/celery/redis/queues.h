#pragma once
// CeleryQueues: queue depths of one Celery app on Redis (celery-redis-protocol.md §1, §3).
//
// Which queues are listed: QueueListing's rule. Candidates come from the configuration, the
// workers' active_queues (the caller passes them: they have consumers), the binding sets
// (QueueBindings, re-read every `queue_discovery_interval` by SCAN) and the queues listed
// before. Depth = sum of LLEN over the
// priority sub-lists; HLEN unacked and every LLEN go in ONE pipeline.
//
// Per-queue `unacked`: the `unacked` hash holds [message, exchange, routing_key] per delivery
// tag for the whole db. While it holds at most kMaxUnackedRouted entries, a second round trip
// (HVALS) maps each to its queue through the bindings; above that (or on an undecodable entry)
// per-queue unacked stays null and only the total (HLEN) is reported. 0 when the hash is empty.
// `consumers` is filled by the caller.
// Thread-safety: Collect() may run concurrently; the discovery state has its own mutex.

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "base/clock.h"
#include "sources/celery/redis/keys.h"
#include "sources/celery/redis/options.h"
#include "sources/celery/queue_listing.h"
#include "sources/celery/redis/queue_bindings.h"
#include "redis/connection.h"
#include "sources/typed_views.h"

namespace queuemon::sources::celery::over_redis {

inline constexpr std::int64_t kMaxUnackedRouted = 10'000;

// Pure: unacked messages per queue from HVALS unacked; nullopt if any entry is undecodable.
std::optional<std::map<std::string, std::int64_t>> UnackedByQueue(
    const std::vector<redis::RedisReply>& values, const QueueBindings& bindings);

class CeleryQueues final {
 public:
  // REQUIRES: `commands` and `clock` outlive this object.
  CeleryQueues(const CeleryOptions& options, CeleryKeys keys, redis::RedisConnection& commands,
               const base::Clock& clock);

  // `consumed`: the queues some worker consumes now (active_queues).
  boost::asio::awaitable<boost::system::result<QueuesView>> Collect(
      std::vector<std::string> consumed);

 private:
  // Re-reads the bindings when the discovery interval has passed (one reader at a time; the
  // others use the bindings already known).
  boost::asio::awaitable<boost::system::error_code> DiscoverIfDue();
  std::vector<std::string> Candidates(const std::vector<std::string>& consumed,
                                      QueueBindings& bindings);
  std::vector<redis::RedisCommand> DepthCommands(const std::vector<std::string>& names) const;
  boost::asio::awaitable<boost::system::result<std::vector<QueueInfo>>> Depths(
      std::vector<std::string> names, std::int64_t* unacked_total);
  boost::asio::awaitable<boost::system::result<std::optional<std::map<std::string, std::int64_t>>>>
  Unacked(std::int64_t total, const QueueBindings& bindings);

  const CeleryOptions options_;
  const CeleryKeys keys_;
  redis::RedisConnection& commands_;
  const base::Clock& clock_;
  base::Mutex mu_;
  QueueBindings bindings_ GUARDED_BY(mu_);
  base::TimePoint next_discovery_ GUARDED_BY(mu_){};
  bool discovering_ GUARDED_BY(mu_) = false;
  QueueListing listing_;
};

}  // namespace queuemon::sources::celery::over_redis
