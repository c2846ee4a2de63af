#include "sources/sidekiq/sidekiq_layout.h"

#include <algorithm>
#include <map>

#include "sources/keyspace/replies.h"
#include "sources/sidekiq/job_json.h"

namespace queuemon::sources::sidekiq {

using nlohmann::json;
using redis::RedisCommand;
using redis::RedisReply;

namespace {

std::vector<std::string> QueuesOf(const json& info) {
  std::vector<std::string> queues;
  if (const auto it = info.find("queues"); it != info.end() && it->is_array()) {
    for (const json& q : *it) {
      if (q.is_string()) queues.push_back(q.get<std::string>());
    }
  }
  return queues;
}

// The running jobs of one process, from its work hashes.
void AddRunning(const std::string& identity, std::span<const RedisReply> work, WorkerInfo& w,
                std::vector<RunningJob>& running) {
  for (const RedisReply& hash : work) {
    for (const auto& [thread, entry] : keyspace::Hash(hash)) {
      json parsed = ParseObject(entry);
      const json payload = TakePayload(parsed);
      RunningJob job;
      job.id = StringField(payload, "jid");
      if (job.id.empty()) continue;
      job.name = StringField(payload, "class");
      job.queue = StringField(parsed, "queue");
      job.worker = identity;
      job.started_at = JobTime(parsed, "run_at");
      w.current_jobs.push_back(job.id);
      running.push_back(std::move(job));
    }
  }
  std::sort(w.current_jobs.begin(), w.current_jobs.end());
}

// Per queue, the live processes serving it; and the busy threads of all of them.
struct Serving {
  std::map<std::string, std::int64_t> processes;
  std::int64_t busy = 0;
};
Serving ServingFrom(std::span<const RedisReply> process_replies) {
  Serving out;
  for (const RedisReply& r : process_replies) {
    if (r.type != RedisReply::Type::kArray || r.elements.size() != 2) continue;
    const auto info = keyspace::Text(r.elements[0]);
    if (!info) continue;  // a dead process serves nothing
    out.busy += keyspace::Integer(r.elements[1]).value_or(0);
    for (const std::string& q : QueuesOf(ParseObject(*info))) out.processes[q] += 1;
  }
  return out;
}

QueueInfo QueueFrom(const std::string& name, std::span<const RedisReply> r, double now) {
  QueueInfo q;
  q.name = name;
  q.messages = keyspace::Integer(r[0]).value_or(0);
  q.jobs["enqueued"] = q.messages;
  const auto head = keyspace::Text(r[1]);
  const auto enqueued = head ? JobTime(ParseObject(*head), "enqueued_at") : std::nullopt;
  q.oldest_job_age = enqueued ? std::max(0.0, now - *enqueued) : 0.0;  // Queue#latency
  q.paused = keyspace::Integer(r[2]).value_or(0) > 0;
  return q;
}

}  // namespace

RedisCommand ProcessesCommand(const SidekiqKeys& keys) { return {"SMEMBERS", keys("processes")}; }

std::vector<RedisCommand> WorkCommands(const SidekiqKeys& keys, const std::string& identity) {
  return {{"HGETALL", keys(identity + ":workers")}, {"HGETALL", keys(identity + ":work")}};
}

std::vector<RedisCommand> ProcessCommands(const SidekiqKeys& keys, const std::string& identity) {
  std::vector<RedisCommand> commands{{"HMGET", keys(identity), "info", "busy", "beat", "quiet"}};
  for (RedisCommand& c : WorkCommands(keys, identity)) commands.push_back(std::move(c));
  return commands;
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

std::optional<WorkerInfo> WorkerFromProcess(const std::string& identity, const RedisReply& hmget,
                                            std::span<const RedisReply> work, double now,
                                            std::vector<RunningJob>& running) {
  if (hmget.type != RedisReply::Type::kArray || hmget.elements.size() != 4) return std::nullopt;
  const auto info_text = keyspace::Text(hmget.elements[0]);
  if (!info_text) return std::nullopt;  // expired: the process stopped beating
  const json info = ParseObject(*info_text);
  WorkerInfo w;
  w.hostname = identity;
  w.status = "online";
  w.active = keyspace::Integer(hmget.elements[1]).value_or(0);
  w.last_heartbeat = keyspace::Number(hmget.elements[2]);
  w.state = keyspace::Text(hmget.elements[3]).value_or("") == "true" ? "quiet" : "running";
  w.concurrency = IntField(info, "concurrency");
  w.pid = IntField(info, "pid");
  w.queues = QueuesOf(info);
  w.sw_ident = "sidekiq";
  w.sw_ver = StringField(info, "version");
  if (const auto started = JobTime(info, "started_at")) {
    w.uptime = keyspace::WholeNumber(std::max(0.0, now - *started));
  }
  AddRunning(identity, work, w, running);
  return w;
}

QueuesView BuildQueuesView(const std::vector<std::string>& queue_names,
                           const std::vector<RedisReply>& stats,
                           std::span<const RedisReply> queue_replies,
                           std::span<const RedisReply> process_replies, double now) {
  QueuesView view;
  view.timestamp = now;
  view.processed_total = keyspace::Integer(stats[1]).value_or(0);
  view.failed_total = keyspace::Integer(stats[2]).value_or(0);
  Serving serving = ServingFrom(process_replies);
  for (std::size_t i = 0; i < queue_names.size(); ++i) {
    QueueInfo q = QueueFrom(queue_names[i], queue_replies.subspan(i * kCommandsPerQueue, kCommandsPerQueue), now);
    q.consumers = serving.processes[q.name];
    view.total_messages += q.messages;
    view.queues.push_back(std::move(q));
  }
  std::sort(view.queues.begin(), view.queues.end(),
            [](const QueueInfo& a, const QueueInfo& b) { return a.name < b.name; });
  view.jobs = {{"enqueued", view.total_messages},
               {"busy", serving.busy},
               {"scheduled", keyspace::Integer(stats[3]).value_or(0)},
               {"retry", keyspace::Integer(stats[4]).value_or(0)},
               {"dead", keyspace::Integer(stats[5]).value_or(0)}};
  return view;
}

}  // namespace queuemon::sources::sidekiq
