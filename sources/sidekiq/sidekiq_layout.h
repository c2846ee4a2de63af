#pragma once
// Sidekiq's keys (Sidekiq 6.4, as Debian 12 ships it; checked against real processes), each
// prefixed "<namespace>:" under the redis-namespace gem, and the pure assembly of views:
//   processes              set of process identities ("host:pid:hex")
//   <identity>             hash: info (JSON: hostname, started_at, pid, tag, concurrency, queues,
//                          identity, ...), busy, beat (Unix s), quiet, rss, rtt_us; expires 60 s
//                          after the last heartbeat (every 5 s): alive = info is there
//   <identity>:workers     hash thread id -> JSON {queue, payload (job JSON, maybe as a string),
//                          run_at}: the jobs running now
//   queues                 set of queue names;  queue:<name>: list of job JSON, oldest at the
//                          right (LPUSH / BRPOP), each with enqueued_at (s; ms in Sidekiq 8)
//   paused                 set of paused queue names (Sidekiq Pro; absent otherwise)
//   schedule, retry, dead  zsets of job JSON;  stat:processed, stat:failed  counters
//
// Thread-safety: pure functions.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "redis/connection.h"
#include "sources/typed_views.h"

namespace queuemon::sources::sidekiq {

// Key names under an optional namespace.
class SidekiqKeys final {
 public:
  explicit SidekiqKeys(std::string ns) : prefix_(ns.empty() ? "" : ns + ":") {}
  std::string operator()(std::string_view key) const { return prefix_ + std::string(key); }
  std::string Queue(std::string_view name) const { return prefix_ + "queue:" + std::string(name); }

 private:
  std::string prefix_;
};

// Commands of each round, built outside the coroutines (g++ 12 mis-compiles braced lists there).
redis::RedisCommand ProcessesCommand(const SidekiqKeys& keys);  // SMEMBERS processes
// Per process: HMGET <identity> info busy beat quiet, HGETALL <identity>:workers.
inline constexpr std::size_t kCommandsPerProcess = 2;
std::vector<redis::RedisCommand> ProcessCommands(const SidekiqKeys& keys, const std::string& identity);
// {SMEMBERS queues, GET stat:processed, GET stat:failed, ZCARD schedule|retry|dead, SMEMBERS processes}
std::vector<redis::RedisCommand> StatsCommands(const SidekiqKeys& keys);
// Per queue: LLEN, LINDEX -1, SISMEMBER paused.  Per process: HMGET info busy.
inline constexpr std::size_t kCommandsPerQueue = 3;
std::vector<redis::RedisCommand> QueueCommands(const SidekiqKeys& keys, const std::string& queue);
redis::RedisCommand ProcessBriefCommand(const SidekiqKeys& keys, const std::string& identity);

// The process from its HMGET and work hash; nullopt when its info expired (it died).
std::optional<WorkerInfo> WorkerFromProcess(const std::string& identity,
                                            const redis::RedisReply& hmget,
                                            const redis::RedisReply& work, double now,
                                            std::vector<RunningJob>& running);
WorkersView BuildWorkersView(std::vector<WorkerInfo> workers, double now);

// Replies of StatsCommands, then kCommandsPerQueue per queue, then one per process.
QueuesView BuildQueuesView(const std::vector<std::string>& queue_names,
                           const std::vector<redis::RedisReply>& stats,
                           const redis::RedisReply* queue_replies,
                           const redis::RedisReply* process_replies, std::size_t processes,
                           double now);

// A job's enqueued_at/created_at etc. in Unix seconds (Sidekiq 8 writes milliseconds).
std::optional<double> JobTime(const nlohmann::json& job, const char* field);
// One job from its JSON as the set `status` ("retry", "dead", ...) holds it.
JobInfo JobFromJson(const std::string& id, const nlohmann::json& job, std::string status);
// The job of id `jid` in a work hash (HGETALL reply), as running on `identity`.
std::optional<JobInfo> BusyJob(const std::string& jid, const std::string& identity,
                               const redis::RedisReply& work);

}  // namespace queuemon::sources::sidekiq

namespace queuemon::sources::sidekiq {

// Job lookup: ZSCAN <set> <cursor> MATCH *"jid":"<jid>"* COUNT 1000 (a jid is checked with
// ValidTaskId, so it holds no glob character), and LRANGE pages of a queue.
redis::RedisCommand ScanSetCommand(const SidekiqKeys& keys, std::string_view set,
                                   const std::string& cursor, const std::string& jid);
redis::RedisCommand QueuePageCommand(const SidekiqKeys& keys, const std::string& queue,
                                     std::size_t start, std::size_t count);
redis::RedisCommand QueuesCommand(const SidekiqKeys& keys);  // SMEMBERS queues
// The job of id `jid` among JSON entries (a ZSCAN page's members, or LRANGE), if any.
std::optional<nlohmann::json> FindJob(const std::vector<std::string>& entries, const std::string& jid);

}  // namespace queuemon::sources::sidekiq
