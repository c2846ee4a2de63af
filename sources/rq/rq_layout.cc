#include "sources/rq/rq_layout.h"

#include <algorithm>
#include <cstdio>

#include "sources/keyspace/replies.h"

namespace queuemon::sources::rq {

using keyspace::ParseNumber;
using keyspace::ParseUtcIso;
using redis::RedisCommand;
using redis::RedisReply;

namespace {

std::optional<std::int64_t> IntField(const std::map<std::string, std::string>& hash,
                                     const char* field) {
  const auto it = hash.find(field);
  if (it == hash.end()) return std::nullopt;
  const auto number = ParseNumber(it->second);
  return number ? keyspace::WholeNumber(*number) : std::nullopt;
}

std::vector<std::string> SplitQueues(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    if (comma != 0) out.emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

// ZCOUNT's exclusive lower bound: "(1796194031.5".
std::string After(double now) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "(%.6f", now);
  return buf;
}

}  // namespace

std::string StripPrefix(std::string_view key, std::string_view prefix) {
  if (key.size() <= prefix.size() || key.substr(0, prefix.size()) != prefix) return {};
  return std::string(key.substr(prefix.size()));
}

RedisCommand WorkersCommand() { return {"SMEMBERS", std::string(kWorkersKey)}; }

std::vector<RedisCommand> QueueListingCommands() {
  return {{"SMEMBERS", std::string(kQueuesKey)}, {"EXISTS", std::string(kSuspendedKey)}};
}

RedisCommand WorkerHashCommand(const std::string& worker_key) { return {"HGETALL", worker_key}; }

RedisCommand HeadEnqueuedCommand(const std::string& job_id) {
  return {"HGET", "rq:job:" + job_id, "enqueued_at"};
}

RedisCommand RunningJobCommand(const std::string& job_id) {
  return {"HMGET", "rq:job:" + job_id, "description", "origin", "started_at"};
}

std::vector<RedisCommand> JobCommands(const std::string& job_id) {
  RedisCommand hmget{"HMGET", "rq:job:" + job_id};
  for (std::string_view field : kJobFields) hmget.emplace_back(field);
  return {std::move(hmget), {"XREVRANGE", "rq:results:" + job_id, "+", "-", "COUNT", "1"}};
}

std::optional<WorkerInfo> WorkerFromHash(const std::string& name,
                                         const std::map<std::string, std::string>& hash,
                                         double now) {
  if (hash.empty()) return std::nullopt;
  auto field = [&](const char* key) -> const std::string* {
    const auto it = hash.find(key);
    return it == hash.end() ? nullptr : &it->second;
  };
  WorkerInfo w;
  w.hostname = name;
  // A worker that registered its death leaves rq:workers at once; its hash lingers 60 s.
  w.status = field("death") ? "offline" : "online";
  w.state = field("state") ? *field("state") : "started";
  if (const auto* beat = field("last_heartbeat")) w.last_heartbeat = ParseUtcIso(*beat);
  if (const auto* queues = field("queues")) w.queues = SplitQueues(*queues);
  w.pid = IntField(hash, "pid");
  w.processed = IntField(hash, "successful_job_count").value_or(0);
  w.failed = IntField(hash, "failed_job_count").value_or(0);
  if (const auto* seconds = field("total_working_time")) {
    w.total_working_time = ParseNumber(*seconds).value_or(0);
  } else {
    w.total_working_time = 0;
  }
  if (const auto* job = field("current_job"); job && !job->empty()) w.current_jobs.push_back(*job);
  w.active = static_cast<std::int64_t>(w.current_jobs.size());
  w.concurrency = 1;  // an RQ worker runs one job at a time
  w.sw_ident = "rq";
  if (const auto* version = field("version")) w.sw_ver = *version;
  if (const auto* birth = field("birth")) {
    if (const auto born = ParseUtcIso(*birth)) w.uptime = keyspace::WholeNumber(now - *born);
  }
  return w;
}

std::vector<RedisCommand> QueueCommands(const std::string& queue, double now) {
  const std::string list = std::string(kQueuePrefix) + queue;
  std::vector<RedisCommand> commands;
  commands.reserve(kCommandsPerQueue);
  commands.push_back({"LLEN", list});
  commands.push_back({"LINDEX", list, "0"});
  commands.push_back({"SCARD", "rq:workers:" + queue});
  for (const Registry& r : kRegistries) {
    const std::string key = std::string(r.prefix) + queue;
    if (r.scored_by_expiry) {
      commands.push_back({"ZCOUNT", key, After(now), "+inf"});
    } else {
      commands.push_back({"ZCARD", key});
    }
  }
  return commands;
}

QueueInfo QueueFromReplies(const std::string& queue, const RedisReply* replies,
                           std::string& head_job) {
  QueueInfo q;
  q.name = queue;
  q.messages = keyspace::Integer(replies[0]).value_or(0);
  head_job = std::string(keyspace::Text(replies[1]).value_or(""));
  q.consumers = keyspace::Integer(replies[2]).value_or(0);
  q.jobs["queued"] = q.messages;
  for (std::size_t i = 0; i < std::size(kRegistries); ++i) {
    q.jobs[std::string(kRegistries[i].state)] = keyspace::Integer(replies[3 + i]).value_or(0);
  }
  return q;
}

QueuesView BuildQueuesView(std::vector<QueueInfo> queues,
                           const std::vector<std::optional<double>>& head_enqueued_at,
                           bool suspended, double now) {
  QueuesView view;
  view.timestamp = now;
  for (std::size_t i = 0; i < queues.size(); ++i) {
    QueueInfo& q = queues[i];
    const std::optional<double> enqueued = i < head_enqueued_at.size() ? head_enqueued_at[i] : std::nullopt;
    q.oldest_job_age = enqueued ? std::max(0.0, now - *enqueued) : 0.0;
    q.paused = suspended;  // `rq suspend` stops every worker of the deployment
    view.total_messages += q.messages;
    for (const auto& [state, n] : q.jobs) view.jobs[state] += n;
  }
  std::sort(queues.begin(), queues.end(),
            [](const QueueInfo& a, const QueueInfo& b) { return a.name < b.name; });
  view.queues = std::move(queues);
  return view;
}

JobInfo JobFromFields(const std::string& id, const RedisReply& hmget) {
  JobInfo job;
  job.id = id;
  if (hmget.type != RedisReply::Type::kArray || hmget.elements.size() != std::size(kJobFields)) {
    return job;
  }
  auto text = [&](std::size_t i) { return std::string(keyspace::Text(hmget.elements[i]).value_or("")); };
  auto time = [&](std::size_t i) { return ParseUtcIso(text(i)); };
  const std::string status = text(0);
  job.found = !status.empty();
  if (!job.found) return job;
  job.status = status;
  job.queue = text(1);
  job.name = text(2);
  job.created_at = time(3);
  job.enqueued_at = time(4);
  job.started_at = time(5);
  job.ended_at = time(6);
  job.worker = text(7);
  return job;
}

}  // namespace queuemon::sources::rq
