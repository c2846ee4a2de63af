#include "sources/sidekiq/job_lookup.h"

#include "sources/keyspace/replies.h"
#include "sources/sidekiq/job_json.h"

namespace queuemon::sources::sidekiq {

using nlohmann::json;
using redis::RedisCommand;
using redis::RedisReply;

RedisCommand ScanSetCommand(const SidekiqKeys& keys, std::string_view set,
                            const std::string& cursor, const std::string& jid) {
  return {"ZSCAN", keys(set), cursor, "MATCH", "*" + jid + "*", "COUNT", std::to_string(kScanPage)};
}

RedisCommand QueuePageCommand(const SidekiqKeys& keys, const std::string& queue, std::size_t start) {
  return {"LRANGE", keys.Queue(queue), std::to_string(start), std::to_string(start + kScanPage - 1)};
}

RedisCommand QueuesCommand(const SidekiqKeys& keys) { return {"SMEMBERS", keys("queues")}; }

JobInfo JobFromJson(const std::string& id, const json& job, std::string_view status) {
  JobInfo info;
  info.id = id;
  info.found = true;
  info.status = std::string(status);
  info.name = StringField(job, "class");
  info.queue = StringField(job, "queue");
  info.created_at = JobTime(job, "created_at");
  info.enqueued_at = JobTime(job, "enqueued_at");
  info.ended_at = JobTime(job, "failed_at");
  info.retry_count = IntField(job, "retry_count");
  const std::string error_class = StringField(job, "error_class");
  if (!error_class.empty()) info.exception = error_class + ": " + StringField(job, "error_message");
  return info;
}

std::optional<JobInfo> FindJob(const std::vector<std::string>& entries, const std::string& jid,
                               std::string_view status) {
  for (const std::string& entry : entries) {
    if (entry.find(jid) == std::string::npos) continue;  // most entries: no parse
    const json job = ParseObject(entry);
    if (StringField(job, "jid") == jid) return JobFromJson(jid, job, status);
  }
  return std::nullopt;
}

std::optional<JobInfo> BusyJob(const std::string& jid, const std::string& identity,
                               std::span<const RedisReply> work) {
  for (const RedisReply& hash : work) {
    for (const auto& [thread, entry] : keyspace::Hash(hash)) {
      if (entry.find(jid) == std::string::npos) continue;
      json parsed = ParseObject(entry);
      const json payload = TakePayload(parsed);
      if (StringField(payload, "jid") != jid) continue;
      JobInfo info = JobFromJson(jid, payload, "busy");
      info.worker = identity;
      info.started_at = JobTime(parsed, "run_at");
      return info;
    }
  }
  return std::nullopt;
}

}  // namespace queuemon::sources::sidekiq
