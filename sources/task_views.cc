// JSON form of the task-event views.
#include "sources/task_views.h"

#include <nlohmann/json.hpp>

#include "sources/typed_views.h"

namespace queuemon::sources {
namespace {

using nlohmann::json;

template <typename T>
json Opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Serialized SerializeJson(json j) {
  Serialized out;
  out.body = Dump(j);
  if (j.erase("timestamp") > 0) out.identity = Dump(j);
  return out;
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

}  // namespace

Serialized Serialize(const RecentTasksView& v) {
  json tasks = json::array();
  for (const TaskInfo& t : v.tasks) tasks.push_back(TaskInfoJson(t));
  return SerializeJson(json{{"timestamp", v.timestamp},
                            {"total", v.total},
                            {"limit", v.limit},
                            {"offset", v.offset},
                            {"tasks", std::move(tasks)}});
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
