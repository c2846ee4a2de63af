// JSON form of the view structs (the HTTP API bodies). Optional fields that are unknown are
// written as null rather than omitted, so dashboards see a stable set of keys.
#include "sources/typed_views.h"

#include <nlohmann/json.hpp>

namespace queuemon::sources {
namespace {

using nlohmann::json;

template <typename T>
json Opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// Fields only some kinds keep: written when set.
template <typename T>
void PutIfSet(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}
template <typename Map>
void PutIfAny(json& j, const char* key, const Map& m) {
  if (!m.empty()) j[key] = m;
}

json WorkerJson(const WorkerInfo& w) {
  json j{{"hostname", w.hostname},
              {"status", w.status},
              {"last_heartbeat", Opt(w.last_heartbeat)},
              {"heartbeat_freq", Opt(w.heartbeat_freq)},
              {"active", Opt(w.active)},
              {"processed", Opt(w.processed)},
              {"loadavg", w.loadavg},
              {"pool", w.pool},
              {"concurrency", Opt(w.concurrency)},
              {"queues", w.queues},
              {"pid", Opt(w.pid)},
              {"sw_ident", w.sw_ident},
              {"sw_ver", w.sw_ver},
              {"sw_sys", w.sw_sys},
              {"uptime", Opt(w.uptime)},
              {"prefetch_count", Opt(w.prefetch_count)}};
  PutIfSet(j, "state", w.state);
  PutIfSet(j, "failed", w.failed);
  PutIfSet(j, "total_working_time", w.total_working_time);
  if (w.state) j["current_jobs"] = w.current_jobs;  // the kinds with a state keep them
  return j;
}

json QueueJson(const QueueInfo& q) {
  json by_priority = json::object();
  for (const auto& [step, count] : q.by_priority) by_priority[std::to_string(step)] = count;
  json j{{"name", q.name},
         {"messages", q.messages},
         {"by_priority", std::move(by_priority)},
         {"consumers", q.consumers},
         {"unacked", Opt(q.unacked)}};
  PutIfSet(j, "oldest_job_age", q.oldest_job_age);
  PutIfSet(j, "paused", q.paused);
  PutIfAny(j, "jobs", q.jobs);
  return j;
}

json TaskJson(const TaskBrief& t) {
  return json{{"id", t.id},
              {"name", t.name},
              {"args", t.args},
              {"kwargs", t.kwargs},
              {"time_start", Opt(t.time_start)},
              {"eta", Opt(t.eta)},
              {"worker_pid", Opt(t.worker_pid)},
              {"acknowledged", t.acknowledged},
              {"routing_key", t.routing_key},
              {"priority", Opt(t.priority)}};
}

json TaskList(const std::vector<TaskBrief>& tasks) {
  json out = json::array();
  for (const auto& t : tasks) out.push_back(TaskJson(t));
  return out;
}

// dump() with replacement so that a stray invalid UTF-8 byte from a worker never throws.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void PutPage(json& j, const std::optional<ViewPage>& page) {
  if (!page) return;
  j["matched"] = page->matched;
  j["limit"] = page->limit ? json(*page->limit) : json();
  j["offset"] = page->offset;
}

json JsonOf(const WorkersView& v) {
  json workers = json::array();
  for (const auto& w : v.workers) workers.push_back(WorkerJson(w));
  json j{{"timestamp", v.timestamp},
         {"workers", std::move(workers)},
         {"online", v.online},
         {"offline", v.offline},
         {"unknown", v.unknown}};
  PutPage(j, v.page);
  return j;
}

json JsonOf(const QueuesView& v) {
  json queues = json::array();
  for (const auto& q : v.queues) queues.push_back(QueueJson(q));
  json j{{"timestamp", v.timestamp},
         {"queues", std::move(queues)},
         {"total_messages", v.total_messages},
         {"unacked_total", v.unacked_total}};
  PutIfAny(j, "jobs", v.jobs);
  PutIfSet(j, "processed_total", v.processed_total);
  PutIfSet(j, "failed_total", v.failed_total);
  PutPage(j, v.page);
  return j;
}

json JsonOf(const TasksView& v) {
  json workers = json::array();
  for (const auto& w : v.workers) {
    workers.push_back(json{{"hostname", w.hostname},
                           {"active", TaskList(w.active)},
                           {"reserved", TaskList(w.reserved)},
                           {"scheduled", TaskList(w.scheduled)}});
  }
  return json{{"timestamp", v.timestamp},
              {"workers", std::move(workers)},
              {"active", v.active},
              {"reserved", v.reserved},
              {"scheduled", v.scheduled}};
}

json JsonOf(const TaskResult& v) {
  // result_json is JSON text from the backend; embed it as a value, or as a string if it is not
  // valid JSON (never fail the view over it).
  json result = json::parse(v.result_json, nullptr, /*allow_exceptions=*/false);
  if (result.is_discarded()) result = v.result_json;
  return json{{"task_id", v.task_id},
              {"state", v.state},
              {"result", std::move(result)},
              {"traceback", Opt(v.traceback)},
              {"date_done", Opt(v.date_done)},
              {"worker", Opt(v.worker)}};
}

json JsonOf(const SummaryView& v) {
  json j{{"timestamp", v.timestamp},
              {"workers_online", v.workers_online},
              {"workers_offline", v.workers_offline},
              {"tasks_active", v.tasks_active},
              {"tasks_reserved", v.tasks_reserved},
              {"tasks_scheduled", v.tasks_scheduled},
              {"queued_messages", v.queued_messages},
              {"unacked_messages", v.unacked_messages},
              {"processed", v.processed},
              {"queues", v.queues}};
  PutIfAny(j, "jobs", v.jobs);
  return j;
}

json JsonOf(const HealthView& v) {
  return json{{"timestamp", v.timestamp},
              {"broker_reachable", v.broker_reachable},
              {"broker_rtt_ms", v.broker_rtt_ms},
              {"workers_answering", v.workers_answering},
              {"workers_online", v.workers_online},
              {"status", v.status}};
}

json TaskInfoJson(const TaskInfo& t) {
  return json{{"id", t.id},
              {"name", t.name},
              {"state", t.state},
              {"worker", t.worker},
              {"queue", t.queue},
              {"times", t.times},
              {"runtime", Opt(t.runtime)},
              {"retries", t.retries},
              {"exception", t.exception},
              {"traceback", t.traceback},
              {"args", Opt(t.args)},
              {"kwargs", Opt(t.kwargs)},
              {"updated", t.updated}};
}


// The body, and the same JSON without its collection time (what identifies the content).
Serialized SerializeJson(json j) {
  Serialized out;
  out.body = Dump(j);
  if (j.erase("timestamp") > 0) out.identity = Dump(j);
  return out;
}

}  // namespace

std::string ToJson(const WorkersView& v) { return Dump(JsonOf(v)); }
std::string ToJson(const QueuesView& v) { return Dump(JsonOf(v)); }
std::string ToJson(const TasksView& v) { return Dump(JsonOf(v)); }
std::string ToJson(const TaskResult& v) { return Dump(JsonOf(v)); }
std::string ToJson(const SummaryView& v) { return Dump(JsonOf(v)); }
std::string ToJson(const HealthView& v) { return Dump(JsonOf(v)); }

Serialized Serialize(const WorkersView& v) { return SerializeJson(JsonOf(v)); }
Serialized Serialize(const QueuesView& v) { return SerializeJson(JsonOf(v)); }
Serialized Serialize(const TasksView& v) { return SerializeJson(JsonOf(v)); }
Serialized Serialize(const TaskResult& v) { return SerializeJson(JsonOf(v)); }
Serialized Serialize(const SummaryView& v) { return SerializeJson(JsonOf(v)); }
Serialized Serialize(const HealthView& v) { return SerializeJson(JsonOf(v)); }

Serialized Serialize(const RecentTasksView& v) {
  json tasks = json::array();
  for (const TaskInfo& t : v.tasks) tasks.push_back(TaskInfoJson(t));
  return SerializeJson(json{{"timestamp", v.timestamp},
                            {"total", v.total},
                            {"limit", v.limit},
                            {"offset", v.offset},
                            {"tasks", std::move(tasks)}});
}

Serialized Serialize(const JobsView& v) {
  json running = json::array();
  for (const RunningJob& r : v.running) {
    running.push_back(json{{"id", r.id},
                           {"name", r.name},
                           {"queue", r.queue},
                           {"worker", r.worker},
                           {"started_at", Opt(r.started_at)}});
  }
  return SerializeJson(json{{"timestamp", v.timestamp},
                            {"jobs", v.jobs},
                            {"by_queue", v.by_queue},
                            {"running", std::move(running)}});
}

Serialized Serialize(const JobInfo& v) {
  return SerializeJson(json{{"id", v.id},
                            {"found", v.found},
                            {"status", v.status},
                            {"name", v.name},
                            {"queue", v.queue},
                            {"worker", v.worker},
                            {"created_at", Opt(v.created_at)},
                            {"enqueued_at", Opt(v.enqueued_at)},
                            {"started_at", Opt(v.started_at)},
                            {"ended_at", Opt(v.ended_at)},
                            {"retry_count", Opt(v.retry_count)},
                            {"exception", Opt(v.exception)}});
}

Serialized Serialize(const TaskStatsView& v) {
  json tasks = json::array();
  for (const TaskNameStats& s : v.tasks) {
    tasks.push_back(json{{"name", s.name},
                         {"states", s.states},
                         {"succeeded", s.succeeded},
                         {"failed", s.failed},
                         {"failure_rate", Opt(s.failure_rate)},
                         {"runtime_p50", Opt(s.runtime_p50)},
                         {"runtime_p95", Opt(s.runtime_p95)},
                         {"runtime_p99", Opt(s.runtime_p99)}});
  }
  return SerializeJson(json{{"timestamp", v.timestamp},
                            {"window_seconds", v.window_seconds},
                            {"tasks", std::move(tasks)}});
}

}  // namespace queuemon::sources
