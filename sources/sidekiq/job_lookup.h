#pragma once
// Finding one Sidekiq job by id. Sidekiq keeps no index by jid, so a lookup reads where a job
// can be, in this order, as Sidekiq's own find_job does: the work hashes of the live processes
// (busy), the retry, schedule and dead sets (ZSCAN MATCH *<jid>*), then the queues (LRANGE
// pages). A finished job leaves no trace. The bound of a lookup is the source's max_job_scan
// entries per set and per queue.
//
// Thread-safety: pure functions.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "redis/connection.h"
#include "sources/sidekiq/sidekiq_layout.h"
#include "sources/typed_views.h"

namespace queuemon::sources::sidekiq {

// The sets a lookup scans, in order, with the status a job found there has.
struct JobSet {
  std::string_view key;
  std::string_view status;
};
inline constexpr JobSet kJobSets[] = {{"retry", "retry"}, {"schedule", "scheduled"}, {"dead", "dead"}};
inline constexpr std::size_t kScanPage = 1000;  // ZSCAN COUNT and LRANGE page

// ZSCAN <set> <cursor> MATCH *<jid>* COUNT kScanPage (a jid is checked with ValidTaskId, so it
// holds no glob character; a match is confirmed on the parsed JSON).
redis::RedisCommand ScanSetCommand(const SidekiqKeys& keys, std::string_view set,
                                   const std::string& cursor, const std::string& jid);
// LRANGE of one page of a queue, from `start`.
redis::RedisCommand QueuePageCommand(const SidekiqKeys& keys, const std::string& queue,
                                     std::size_t start);
redis::RedisCommand QueuesCommand(const SidekiqKeys& keys);  // SMEMBERS queues

// The job of id `jid` among JSON entries (a ZSCAN page's members, or LRANGE), as found in a
// place whose status is `status` ("retry", "enqueued", ...).
std::optional<JobInfo> FindJob(const std::vector<std::string>& entries, const std::string& jid,
                               std::string_view status);
// The job of id `jid` in the work hashes (HGETALL replies) of process `identity`: busy.
std::optional<JobInfo> BusyJob(const std::string& jid, const std::string& identity,
                               std::span<const redis::RedisReply> work);
// A job's fields from its JSON.
JobInfo JobFromJson(const std::string& id, const nlohmann::json& job, std::string_view status);

}  // namespace queuemon::sources::sidekiq
