#pragma once
// CeleryQueues: queue depths of one Celery app on Redis (celery-redis-protocol.md §1, §3).
//
// Queue names = configured names ∪ names passed by the caller (the workers' active_queues)
// ∪ every name seen before (so an idle queue stays listed after its consumer left)
// ∪ queues found in the binding sets `_kombu.binding.celery` and `_kombu.binding.<name>` for
// every name already known (idle queues have no list, so bindings are the only way to find
// them; KEYS/SCAN are avoided on purpose). Depth = sum of LLEN over the priority sub-lists.
// The binding lookups, HLEN unacked and every LLEN go in ONE pipeline; only when a binding
// names a queue not seen before does a second pipeline fetch its lists (then it is known).
//
// `unacked` is one hash for the whole db without an owner or cheap per-queue index, so only the
// total (HLEN) is reported; QueueInfo::unacked stays unset. `consumers` is filled by the caller.
// Thread-safety: Collect() may run concurrently; the known-name set has its own mutex.

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "collectors/celery_keys.h"
#include "collectors/celery_options.h"
#include "collectors/redis_connection.h"
#include "collectors/sample.h"

namespace queuemon::collectors {

class CeleryQueues final {
 public:
  // REQUIRES: `commands` outlives this object.
  CeleryQueues(const CeleryOptions& options, CeleryKeys keys, RedisConnection& commands);

  boost::asio::awaitable<boost::system::result<QueuesView>> Collect(
      std::vector<std::string> extra_names);

 private:
  // The first pipeline: HLEN unacked, the binding sets, then every LLEN of `names`.
  struct Plan {
    std::set<std::string> names;
    std::vector<RedisCommand> commands;
    std::size_t first_depth = 0;  // index of the first LLEN
  };
  Plan MakePlan(const std::vector<std::string>& extra_names);
  std::vector<std::string> NewNames(const Plan& plan, const std::vector<RedisReply>& replies) const;
  std::vector<RedisCommand> DepthCommands(const std::vector<std::string>& names) const;
  void AddDepths(const std::vector<std::string>& names, const std::vector<RedisReply>& replies,
                 std::size_t first, QueuesView& view) const;

  const std::vector<int> steps_;
  const std::vector<std::string> configured_;
  const CeleryKeys keys_;
  RedisConnection& commands_;
  std::mutex mu_;
  std::set<std::string> known_;  // GUARDED_BY(mu_)
};

}  // namespace queuemon::collectors
