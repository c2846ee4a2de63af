#pragma once
// Plain result structs for every view, and their JSON form (ToJson). The JSON shapes are the
// HTTP API's bodies (README "HTTP API"); times are Unix seconds (double) unless named *_iso.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sources/task_views.h"

namespace queuemon::sources {

struct WorkerInfo {
  std::string hostname;                 // "w1@host"
  std::string status = "unknown";       // "online" | "offline" ("unknown": no proof either way)
  std::optional<double> last_heartbeat;  // Unix seconds of the last worker event
  std::optional<double> heartbeat_freq;  // seconds, from the events
  std::optional<std::int64_t> active;     // tasks executing now
  std::optional<std::int64_t> processed;  // tasks processed since the worker started
  std::vector<double> loadavg;
  std::string pool;                       // e.g. "prefork" (from stats' pool implementation)
  std::optional<std::int64_t> concurrency;
  std::vector<std::string> queues;        // queues it consumes (active_queues)
  std::optional<std::int64_t> pid;
  std::string sw_ident, sw_ver, sw_sys;
  std::optional<std::int64_t> uptime;     // seconds (stats)
  std::optional<std::int64_t> prefetch_count;
};

struct WorkersView {
  double timestamp = 0;  // when collected
  std::vector<WorkerInfo> workers;  // sorted by hostname
  std::int64_t online = 0, offline = 0, unknown = 0;
};

struct QueueInfo {
  std::string name;
  std::int64_t messages = 0;                     // sum over every priority sub-list
  std::map<int, std::int64_t> by_priority;        // step -> LLEN of that sub-list
  std::int64_t consumers = 0;                     // workers consuming it (active_queues)
  std::optional<std::int64_t> unacked;            // prefetched/ETA/acks_late, by routing key
};

struct QueuesView {
  double timestamp = 0;
  std::vector<QueueInfo> queues;  // sorted by name
  std::int64_t total_messages = 0;
  std::int64_t unacked_total = 0;  // HLEN unacked
};

struct TaskBrief {
  std::string id, name;
  std::string args, kwargs;               // repr strings or JSON text as the worker gave them
  std::optional<double> time_start;       // active only
  std::optional<std::string> eta;         // scheduled only (ISO 8601)
  std::optional<std::int64_t> worker_pid;
  bool acknowledged = false;
  std::string routing_key;
  std::optional<std::int64_t> priority;
};

struct WorkerTasks {
  std::string hostname;
  std::vector<TaskBrief> active, reserved, scheduled;
};

struct TasksView {
  double timestamp = 0;
  std::vector<WorkerTasks> workers;  // sorted by hostname
  std::int64_t active = 0, reserved = 0, scheduled = 0;
};

struct TaskResult {
  std::string task_id;
  std::string state = "PENDING";          // as Celery: PENDING when unknown
  std::string result_json = "null";       // the backend's "result" value, as JSON text
  std::optional<std::string> traceback;
  std::optional<std::string> date_done;   // naive UTC ISO as Celery writes it
  // Set when the backend had nothing yet and the task events did: state is then the live one
  // (RECEIVED, STARTED, ...) and this the node running it.
  std::optional<std::string> worker;
};

struct SummaryView {
  double timestamp = 0;
  std::int64_t workers_online = 0, workers_offline = 0;
  std::int64_t tasks_active = 0, tasks_reserved = 0, tasks_scheduled = 0;
  std::int64_t queued_messages = 0, unacked_messages = 0;
  std::int64_t processed = 0;  // sum of workers' processed
  std::int64_t queues = 0;
};

struct HealthView {
  double timestamp = 0;
  bool broker_reachable = false;
  double broker_rtt_ms = 0;
  std::int64_t workers_answering = 0;  // ping replies
  std::int64_t workers_online = 0;     // from events
  std::string status = "unhealthy";    // "healthy" | "degraded" | "unhealthy"
};

using ViewData =
    std::variant<std::monostate, WorkersView, QueuesView, TasksView, TaskResult, SummaryView,
                 HealthView, RecentTasksView, TaskStatsView>;

std::string ToJson(const WorkersView& v);
std::string ToJson(const QueuesView& v);
std::string ToJson(const TasksView& v);
std::string ToJson(const TaskResult& v);
std::string ToJson(const SummaryView& v);
std::string ToJson(const HealthView& v);

// A view serialized once per collection: the body, and the same JSON without its "timestamp"
// (empty for views without one). Equal data collected twice has an equal identity, which the
// cache hashes into the ETag (cache::EntryContent::identity).
struct Serialized {
  std::string body;
  std::string identity;
};
Serialized Serialize(const WorkersView& v);
Serialized Serialize(const QueuesView& v);
Serialized Serialize(const TasksView& v);
Serialized Serialize(const TaskResult& v);
Serialized Serialize(const SummaryView& v);
Serialized Serialize(const HealthView& v);
Serialized Serialize(const RecentTasksView& v);
Serialized Serialize(const TaskStatsView& v);

}  // namespace queuemon::sources
