#pragma once
// RQ's keys (rq 1.13, as Debian 12 ships it; checked against real workers) and the pure
// assembly of views from the replies of read-only commands on them:
//   rq:workers                 set of worker keys "rq:worker:<name>"
//   rq:worker:<name>           hash: state, queues ("a,b"), pid, hostname, birth, last_heartbeat,
//                              current_job, successful_job_count, failed_job_count, version, ...
//                              (expires worker_ttl + 60 s after the last heartbeat: alive = exists)
//   rq:workers:<queue>         set of the worker keys consuming a queue
//   rq:suspended               exists while `rq suspend` holds every worker
//   rq:queues                  set of queue keys "rq:queue:<name>"
//   rq:queue:<name>            list of job ids; the head (index 0) is the oldest
//   rq:{wip,failed,finished}:<q>          zsets scored by expiry (Unix s; +inf = never)
//   rq:{scheduled,deferred,canceled}:<q>  zsets scored by run time / insertion
//   rq:job:<id>                hash: status, origin, description, created_at, enqueued_at,
//                              started_at, ended_at, worker_name
//   rq:results:<id>            stream; the newest entry has type (1 ok, 2 failed) and exc_string
// Registry counts are what RQ's own `registry.count` returns after its cleanup (entries whose
// expiry passed are not counted) without running that cleanup, which writes: ZCOUNT (now, +inf].
//
// Thread-safety: pure functions.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "redis/connection.h"
#include "sources/typed_views.h"

namespace queuemon::sources::rq {

inline constexpr std::string_view kWorkersKey = "rq:workers";
inline constexpr std::string_view kWorkerPrefix = "rq:worker:";
inline constexpr std::string_view kSuspendedKey = "rq:suspended";
inline constexpr std::string_view kQueuesKey = "rq:queues";
inline constexpr std::string_view kQueuePrefix = "rq:queue:";

// The job states RQ keeps per queue, in the order of the per-queue commands, with the key
// prefix of each registry (the queue list itself for "queued").
struct Registry {
  std::string_view state;
  std::string_view prefix;
  bool scored_by_expiry;  // count only entries whose expiry has not passed
};
inline constexpr Registry kRegistries[] = {
    {"started", "rq:wip:", true},         {"failed", "rq:failed:", true},
    {"finished", "rq:finished:", true},   {"scheduled", "rq:scheduled:", false},
    {"deferred", "rq:deferred:", false},  {"canceled", "rq:canceled:", false},
};

// "rq:worker:w1" -> "w1" (and "rq:queue:default" -> "default"); empty when the prefix is absent.
std::string StripPrefix(std::string_view key, std::string_view prefix);

// The commands of each round (built here, outside the coroutines: g++ 12 mis-compiles braced
// lists inside them).
redis::RedisCommand WorkersCommand();  // SMEMBERS rq:workers
// {SMEMBERS rq:queues, EXISTS rq:suspended}
std::vector<redis::RedisCommand> QueueListingCommands();
redis::RedisCommand WorkerHashCommand(const std::string& worker_key);  // HGETALL
redis::RedisCommand HeadEnqueuedCommand(const std::string& job_id);    // HGET enqueued_at
redis::RedisCommand RunningJobCommand(const std::string& job_id);      // HMGET description origin started_at
// {HMGET rq:job:<id> kJobFields..., XREVRANGE rq:results:<id> + - COUNT 1}
std::vector<redis::RedisCommand> JobCommands(const std::string& job_id);

// One worker from its hash (HGETALL); nullopt when the hash is gone (the worker expired).
std::optional<WorkerInfo> WorkerFromHash(const std::string& name,
                                         const std::map<std::string, std::string>& hash,
                                         double now);

// Per queue, in this order: LLEN, LINDEX 0, SCARD rq:workers:<q>, then one count per registry.
std::vector<redis::RedisCommand> QueueCommands(const std::string& queue, double now);
inline constexpr std::size_t kCommandsPerQueue = 3 + std::size(kRegistries);
// The queue from its replies (`replies` holds kCommandsPerQueue of them); sets head_job.
QueueInfo QueueFromReplies(const std::string& queue, const redis::RedisReply* replies,
                           std::string& head_job);
// Sums, sorts, and the oldest-job ages from the heads' enqueued_at (Unix s, or nullopt).
QueuesView BuildQueuesView(std::vector<QueueInfo> queues,
                           const std::vector<std::optional<double>>& head_enqueued_at,
                           bool suspended, double now);

// HMGET fields of a job, in the order JobFromFields reads them; exc_info (zlib, RQ < 1.12 and
// jobs failed without a result entry) last.
inline constexpr std::string_view kJobFields[] = {"status",     "origin",      "description",
                                                  "created_at", "enqueued_at", "started_at",
                                                  "ended_at",   "worker_name", "exc_info"};
JobInfo JobFromFields(const std::string& id, const redis::RedisReply& hmget);

}  // namespace queuemon::sources::rq
