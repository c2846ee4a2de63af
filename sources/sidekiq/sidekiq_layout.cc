#include "sources/sidekiq/sidekiq_layout.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "sources/keyspace/replies.h"

namespace queuemon::sources::sidekiq {

using nlohmann::json;
using redis::RedisCommand;
using redis::RedisReply;

namespace {

json ParseJson(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : json::object();
}

std::string StringField(const json& j, const char* field) {
  const auto it = j.find(field);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::int64_t> IntField(const json& j, const char* field) {
  const auto it = j.find(field);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return keyspace::WholeNumber(it->get<double>());
}

// A work hash entry: {queue, payload (object, or the job's JSON as a string), run_at}.
json WorkPayload(const json& work) {
  const auto it = work.find("payload");
  if (it == work.end()) return json::object();
  if (it->is_string()) return ParseJson(it->get<std::string>());
  return it->is_object() ? *it : json::object();
}

RunningJob RunningFromWork(const std::string& identity, const json& work) {
  const json payload = WorkPayload(work);
  RunningJob job;
  job.id = StringField(payload, "jid");
  job.name = StringField(payload, "class");
  job.queue = StringField(work, "queue");
  job.worker = identity;
  job.started_at = JobTime(work, "run_at");
  return job;
}

}  // namespace

RedisCommand ProcessesCommand(const SidekiqKeys& keys) { return {"SMEMBERS", keys("processes")}; }

std::vector<RedisCommand> ProcessCommands(const SidekiqKeys& keys, const std::string& identity) {
  return {{"HMGET", keys(identity), "info", "busy", "beat", "quiet"},
          {"HGETALL", keys(identity + ":workers")}};
}

std::vector<RedisCommand> StatsCommands(const SidekiqKeys& keys) {
  return {{"SMEMBERS", keys("queues")},    {"GET", keys("stat:processed")},
          {"GET", keys("stat:failed")},    {"ZCARD", keys("schedule")},
          {"ZCARD", keys("retry")},        {"ZCARD", keys("dead")},
          {"SMEMBERS", keys("processes")}};
}

std::vector<RedisCommand> QueueCommands(const SidekiqKeys& keys, const std::string& queue) {
  return {{"LLEN", keys.Queue(queue)},
          {"LINDEX", keys.Queue(queue), "-1"},
          {"SISMEMBER", keys("paused"), queue}};
}

RedisCommand ProcessBriefCommand(const SidekiqKeys& keys, const std::string& identity) {
  return {"HMGET", keys(identity), "info", "busy"};
}

std::optional<double> JobTime(const json& job, const char* field) {
  const auto it = job.find(field);
  if (it == job.end() || !it->is_number()) return std::nullopt;
  const double t = it->get<double>();
  return t > 1e11 ? t / 1000 : t;  // Sidekiq 8 writes integer milliseconds
}

std::optional<WorkerInfo> WorkerFromProcess(const std::string& identity, const RedisReply& hmget,
                                            const RedisReply& work, double now,
                                            std::vector<RunningJob>& running) {
  if (hmget.type != RedisReply::Type::kArray || hmget.elements.size() != 4) return std::nullopt;
  const auto info_text = keyspace::Text(hmget.elements[0]);
  if (!info_text) return std::nullopt;  // expired: the process stopped beating
  const json info = ParseJson(*info_text);
  WorkerInfo w;
  w.hostname = identity;
  w.status = "online";
  w.active = keyspace::Integer(hmget.elements[1]).value_or(0);
  w.last_heartbeat = keyspace::Number(hmget.elements[2]);
  const bool quiet = keyspace::Text(hmget.elements[3]).value_or("") == "true";
  w.state = quiet ? "quiet" : "running";
  w.concurrency = IntField(info, "concurrency");
  w.pid = IntField(info, "pid");
  if (const auto it = info.find("queues"); it != info.end() && it->is_array()) {
    for (const json& q : *it) {
      if (q.is_string()) w.queues.push_back(q.get<std::string>());
    }
  }
  w.sw_ident = "sidekiq";
  w.sw_ver = StringField(info, "version");
  if (const auto started = JobTime(info, "started_at")) {
    w.uptime = keyspace::WholeNumber(std::max(0.0, now - *started));
  }
  for (const auto& [thread, entry] : keyspace::Hash(work)) {
    RunningJob job = RunningFromWork(identity, ParseJson(entry));
    if (job.id.empty()) continue;
    w.current_jobs.push_back(job.id);
    running.push_back(std::move(job));
  }
  std::sort(w.current_jobs.begin(), w.current_jobs.end());
  return w;
}

WorkersView BuildWorkersView(std::vector<WorkerInfo> workers, double now) {
  WorkersView view;
  view.timestamp = now;
  std::sort(workers.begin(), workers.end(),
            [](const WorkerInfo& a, const WorkerInfo& b) { return a.hostname < b.hostname; });
  view.online = static_cast<std::int64_t>(workers.size());
  view.workers = std::move(workers);
  return view;
}

QueuesView BuildQueuesView(const std::vector<std::string>& queue_names,
                           const std::vector<RedisReply>& stats, const RedisReply* queue_replies,
                           const RedisReply* process_replies, std::size_t processes, double now) {
  QueuesView view;
  view.timestamp = now;
  view.processed_total = keyspace::Integer(stats[1]).value_or(0);
  view.failed_total = keyspace::Integer(stats[2]).value_or(0);
  std::map<std::string, std::int64_t> consumers;
  std::int64_t busy = 0;
  for (std::size_t p = 0; p < processes; ++p) {
    const RedisReply& r = process_replies[p];
    if (r.type != RedisReply::Type::kArray || r.elements.size() != 2) continue;
    const auto info = keyspace::Text(r.elements[0]);
    if (!info) continue;  // a dead process serves nothing
    busy += keyspace::Integer(r.elements[1]).value_or(0);
    const json parsed = ParseJson(*info);
    if (const auto it = parsed.find("queues"); it != parsed.end() && it->is_array()) {
      for (const json& q : *it) {
        if (q.is_string()) consumers[q.get<std::string>()] += 1;
      }
    }
  }
  for (std::size_t i = 0; i < queue_names.size(); ++i) {
    const RedisReply* r = queue_replies + i * kCommandsPerQueue;
    QueueInfo q;
    q.name = queue_names[i];
    q.messages = keyspace::Integer(r[0]).value_or(0);
    q.jobs["enqueued"] = q.messages;
    const auto head = keyspace::Text(r[1]);
    const auto enqueued = head ? JobTime(ParseJson(*head), "enqueued_at") : std::nullopt;
    q.oldest_job_age = enqueued ? std::max(0.0, now - *enqueued) : 0.0;  // Queue#latency
    q.paused = keyspace::Integer(r[2]).value_or(0) > 0;
    q.consumers = consumers[q.name];
    view.total_messages += q.messages;
    view.queues.push_back(std::move(q));
  }
  std::sort(view.queues.begin(), view.queues.end(),
            [](const QueueInfo& a, const QueueInfo& b) { return a.name < b.name; });
  view.jobs = {{"enqueued", view.total_messages},
               {"busy", busy},
               {"scheduled", keyspace::Integer(stats[3]).value_or(0)},
               {"retry", keyspace::Integer(stats[4]).value_or(0)},
               {"dead", keyspace::Integer(stats[5]).value_or(0)}};
  return view;
}

JobInfo JobFromJson(const std::string& id, const json& job, std::string status) {
  JobInfo info;
  info.id = id;
  info.found = true;
  info.status = std::move(status);
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

std::optional<JobInfo> BusyJob(const std::string& jid, const std::string& identity,
                               const RedisReply& work) {
  for (const auto& [thread, entry] : keyspace::Hash(work)) {
    const json parsed = ParseJson(entry);
    const json payload = WorkPayload(parsed);
    if (StringField(payload, "jid") != jid) continue;
    JobInfo info = JobFromJson(jid, payload, "busy");
    info.worker = identity;
    info.started_at = JobTime(parsed, "run_at");
    return info;
  }
  return std::nullopt;
}

}  // namespace queuemon::sources::sidekiq

namespace queuemon::sources::sidekiq {

RedisCommand ScanSetCommand(const SidekiqKeys& keys, std::string_view set,
                            const std::string& cursor, const std::string& jid) {
  return {"ZSCAN", keys(set), cursor, "MATCH", "*\"jid\":\"" + jid + "\"*", "COUNT", "1000"};
}

RedisCommand QueuePageCommand(const SidekiqKeys& keys, const std::string& queue,
                              std::size_t start, std::size_t count) {
  return {"LRANGE", keys.Queue(queue), std::to_string(start), std::to_string(start + count - 1)};
}

RedisCommand QueuesCommand(const SidekiqKeys& keys) { return {"SMEMBERS", keys("queues")}; }

std::optional<json> FindJob(const std::vector<std::string>& entries, const std::string& jid) {
  const std::string needle = "\"" + jid + "\"";
  for (const std::string& entry : entries) {
    if (entry.find(needle) == std::string::npos) continue;  // most entries: no parse
    json job = ParseJson(entry);
    if (StringField(job, "jid") == jid) return job;
  }
  return std::nullopt;
}

}  // namespace queuemon::sources::sidekiq
