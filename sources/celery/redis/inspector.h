#pragma once
// CeleryInspector: pidbox broadcast rounds (celery-redis-protocol.md §2). One round sends
// several methods at once and collects their replies together:
//   1. one pipeline: SADD the reply binding, then PUBLISH each method (receiver count n_i);
//   2. BRPOP the round's own reply queue until every method has n_i replies (or, with a
//      destination, min(n_i, |destination|)) or the round deadline passes; each BRPOP is
//      pipelined with a MULTI/LRANGE/LTRIM/EXEC that drains the replies queued behind the
//      first, so 1 000 workers' replies take a few round trips, not 1 000;
//   3. SREM the binding and DEL the reply queue, always (also after errors and timeouts).
// Replies are matched to methods by ticket; replies with foreign tickets or that cannot be
// decoded are counted as malformed and skipped.
//
// A round that gets only some replies before its deadline is not an error: it returns what
// arrived with `complete == false` (a slow worker must not blank the dashboard). Transport
// errors of step 1 are returned as errors (redis::Errc::kUnavailable / kTimeout from redis::RedisConnection).
//
// Connections: publish and cleanup go over the shared command connection; BRPOP blocks, so each
// round leases its own connection from a small pool (created on demand, at most kMaxIdle kept).
// Thread-safety: Round() may run concurrently from any thread; rounds do not interfere (each has
// its own reply queue and tickets).

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "sources/celery/redis/keys.h"
#include "sources/celery/transport.h"
#include "sources/celery/redis/options.h"
#include "redis/connection.h"

namespace queuemon::sources::celery::over_redis {

class CeleryInspector final {
 public:
  static constexpr std::size_t kMaxIdle = 4;

  // REQUIRES: `commands` outlives the inspector.
  CeleryInspector(boost::asio::any_io_executor executor, const CeleryOptions& options,
                  CeleryKeys keys, redis::RedisConnection& commands);
  ~CeleryInspector();

  // One broadcast round of `methods` (each method at most once), bounded by
  // options.inspect_timeout. `destination` empty = every worker.
  boost::asio::awaitable<boost::system::result<InspectRound>> Round(
      std::vector<InspectMethod> methods, std::vector<std::string> destination = {},
      RoundHints hints = {});

  std::uint64_t broadcasts() const { return broadcasts_.load(std::memory_order_relaxed); }
  void Close();  // closes pooled connections; later rounds fail with kShuttingDown

 private:
  struct Pending;
  std::vector<redis::RedisCommand> PublishCommands(const std::vector<InspectMethod>& methods,
                                            const std::vector<std::string>& destination,
                                            const std::string& routing_key,
                                            const std::string& member, Pending& pending) const;
  static void Expect(const std::vector<InspectMethod>& methods,
                     const std::vector<redis::RedisReply>& published, std::size_t destination_count,
                     Pending& pending, InspectRound& round);
  std::unique_ptr<redis::RedisConnection> Lease();
  void Return(std::unique_ptr<redis::RedisConnection> conn);
  // Counts one reply envelope towards its ticket, or as malformed.
  void Accept(std::string_view raw, Pending& pending, InspectRound& round) const;
  boost::asio::awaitable<void> Collect(redis::RedisConnection& conn, Pending& pending,
                                       InspectRound& round);
  boost::asio::awaitable<void> Cleanup(const std::string& member, const std::string& queue,
                                       bool quiet);

  boost::asio::any_io_executor executor_;
  const CeleryOptions options_;
  const CeleryKeys keys_;
  redis::RedisConnection& commands_;
  std::atomic<std::uint64_t> broadcasts_{0};
  std::atomic<bool> closed_{false};
  base::Mutex pool_mu_;
  std::vector<std::unique_ptr<redis::RedisConnection>> idle_ GUARDED_BY(pool_mu_);
};

}  // namespace queuemon::sources::celery::over_redis
