#pragma once
// Plain result structs for every view, and their JSON form (ToJson). The JSON shapes are the
// HTTP API's bodies (README "HTTP API"); times are Unix seconds (double) unless named *_iso.
// Fields every kind has are always written (null when unknown); fields only some kinds keep
// (marked below) are written only when set, so a Celery view keeps its shape.

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
  // Kinds whose workers keep these (RQ, Sidekiq); absent from the JSON when unset.
  std::optional<std::string> state;        // RQ: idle|busy|suspended|started; Sidekiq: running|quiet
  std::optional<std::int64_t> failed;      // jobs failed since the worker started (RQ)
  std::vector<std::string> current_jobs;   // ids of the jobs it runs now (RQ: at most one)
  std::optional<double> total_working_time;  // seconds spent running jobs (RQ)
};

// A filtered answer's page (sources/view_filter.h): how many matched, and the window asked for.
struct ViewPage {
  std::int64_t matched = 0;
  std::optional<std::int64_t> limit;
  std::int64_t offset = 0;
};

struct WorkersView {
  double timestamp = 0;  // when collected
  std::vector<WorkerInfo> workers;  // sorted by hostname
  std::int64_t online = 0, offline = 0, unknown = 0;
  std::optional<ViewPage> page;  // filtered answers only; absent from the JSON otherwise
};

struct QueueInfo {
  std::string name;
  std::int64_t messages = 0;                     // sum over every priority sub-list
  std::map<int, std::int64_t> by_priority;        // step -> LLEN of that sub-list
  std::int64_t consumers = 0;                     // workers consuming it (active_queues)
  std::optional<std::int64_t> unacked;            // prefetched/ETA/acks_late, by routing key
  // Kinds that keep these (RQ, Sidekiq); absent from the JSON when unset or empty.
  std::optional<double> oldest_job_age;  // seconds since the oldest waiting job was enqueued (0: none)
  std::optional<bool> paused;
  std::map<std::string, std::int64_t> jobs;  // jobs of the queue by state (RQ's registries)
};

struct QueuesView {
  double timestamp = 0;
  std::vector<QueueInfo> queues;  // sorted by name
  std::int64_t total_messages = 0;
  std::int64_t unacked_total = 0;  // HLEN unacked
  // Kinds that keep these (RQ, Sidekiq); absent from the JSON when unset or empty.
  std::map<std::string, std::int64_t> jobs;        // jobs by state over every queue
  std::optional<std::int64_t> processed_total;     // Sidekiq stat:processed
  std::optional<std::int64_t> failed_total;        // Sidekiq stat:failed
  std::optional<ViewPage> page;  // filtered answers only; absent from the JSON otherwise
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
  std::map<std::string, std::int64_t> jobs;  // by state (RQ, Sidekiq); absent when empty
};

struct HealthView {
  double timestamp = 0;
  bool broker_reachable = false;
  double broker_rtt_ms = 0;
  std::int64_t workers_answering = 0;  // ping replies
  std::int64_t workers_online = 0;     // from events
  std::string status = "unhealthy";    // "healthy" | "degraded" | "unhealthy"
};

// The jobs view of the kinds that keep jobs by state in Redis (RQ, Sidekiq): their /tasks/status.
struct RunningJob {
  std::string id, name, queue, worker;
  std::optional<double> started_at;
};

struct JobsView {
  double timestamp = 0;
  std::map<std::string, std::int64_t> jobs;                                // by state
  std::map<std::string, std::map<std::string, std::int64_t>> by_queue;    // queue -> state -> n
  std::vector<RunningJob> running;                                         // sorted by worker
};

// One job of those kinds: their /tasks/{task_id}.
struct JobInfo {
  std::string id;
  bool found = false;
  std::string status = "unknown";  // RQ: queued|started|finished|failed|scheduled|deferred|...;
                                   // Sidekiq: enqueued|busy|scheduled|retry|dead
  std::string name, queue, worker;
  std::optional<double> created_at, enqueued_at, started_at, ended_at;
  std::optional<std::int64_t> retry_count;
  std::optional<std::string> exception;
};

using ViewData =
    std::variant<std::monostate, WorkersView, QueuesView, TasksView, TaskResult, SummaryView,
                 HealthView, RecentTasksView, TaskStatsView, JobsView, JobInfo>;

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
Serialized Serialize(const JobsView& v);
Serialized Serialize(const JobInfo& v);

}  // namespace queuemon::sources
