#pragma once
// Sidekiq's keys (Sidekiq 6.4, as Debian 12 ships it, checked against real processes; the few
// names Sidekiq 7 and 8 changed are read too), each prefixed "<namespace>:" under the
// redis-namespace gem, and the pure assembly of the workers and queues views:
//   processes              set of process identities ("host:pid:hex")
//   <identity>             hash: info (JSON: hostname, started_at, pid, tag, concurrency, queues,
//                          identity, ...), busy, beat (Unix s), quiet, rss, rtt_us; expires 60 s
//                          after the last heartbeat (every 5 s): alive = info is there
//   <identity>:workers     hash thread id -> JSON {queue, payload (the job's JSON as a string),
//                          run_at}: the jobs running now (Sidekiq 7+: <identity>:work)
//   queues                 set of queue names;  queue:<name>: list of job JSON, oldest at the
//                          right (LPUSH / BRPOP), each with enqueued_at (s; ms in Sidekiq 8)
//   paused                 set of paused queue names (Sidekiq Pro; absent otherwise)
//   schedule, retry, dead  zsets of job JSON;  stat:processed, stat:failed  counters
//
// Thread-safety: pure functions.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "redis/connection.h"
#include "sources/typed_views.h"

namespace queuemon::sources::sidekiq {

// Key names under an optional namespace.
class SidekiqKeys final {
 public:
  explicit SidekiqKeys(const std::string& ns) : prefix_(ns.empty() ? "" : ns + ":") {}
  std::string operator()(std::string_view key) const { return prefix_ + std::string(key); }
  std::string Queue(std::string_view name) const { return prefix_ + "queue:" + std::string(name); }

 private:
  std::string prefix_;
};

// Commands of each round, built outside the coroutines (g++ 12 mis-compiles braced lists there).
redis::RedisCommand ProcessesCommand(const SidekiqKeys& keys);  // SMEMBERS processes
// The work hashes of a process: HGETALL <identity>:workers (6.x) and <identity>:work (7+).
inline constexpr std::size_t kWorkHashes = 2;
std::vector<redis::RedisCommand> WorkCommands(const SidekiqKeys& keys, const std::string& identity);
// Per process: HMGET <identity> info busy beat quiet, then the kWorkHashes work hashes.
inline constexpr std::size_t kCommandsPerProcess = 1 + kWorkHashes;
std::vector<redis::RedisCommand> ProcessCommands(const SidekiqKeys& keys, const std::string& identity);
// {SMEMBERS queues, GET stat:processed, GET stat:failed, ZCARD schedule|retry|dead, SMEMBERS processes}
std::vector<redis::RedisCommand> StatsCommands(const SidekiqKeys& keys);
// Per queue: LLEN, LINDEX -1, SISMEMBER paused.  Per process: HMGET info busy.
inline constexpr std::size_t kCommandsPerQueue = 3;
std::vector<redis::RedisCommand> QueueCommands(const SidekiqKeys& keys, const std::string& queue);
redis::RedisCommand ProcessBriefCommand(const SidekiqKeys& keys, const std::string& identity);

// The process from its HMGET and work hashes; nullopt when its info expired (it died). Its
// running jobs are appended to `running`.
std::optional<WorkerInfo> WorkerFromProcess(const std::string& identity,
                                            const redis::RedisReply& hmget,
                                            std::span<const redis::RedisReply> work, double now,
                                            std::vector<RunningJob>& running);

// Replies of StatsCommands; then kCommandsPerQueue per queue; then one per process.
QueuesView BuildQueuesView(const std::vector<std::string>& queue_names,
                           const std::vector<redis::RedisReply>& stats,
                           std::span<const redis::RedisReply> queue_replies,
                           std::span<const redis::RedisReply> process_replies, double now);

}  // namespace queuemon::sources::sidekiq
