#pragma once
// The views built from task events (a source's live task table): one task's life, the newest
// tasks matching a filter, and per-name statistics over a recent window. Plain data; the JSON
// form is in typed_views.cc with the other views'. Thread-safety: none needed (values).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace queuemon::sources {

struct TaskInfo {
  std::string id, name;
  std::string state;      // PENDING (sent), RECEIVED, STARTED, SUCCESS, FAILURE, RETRY, REVOKED, REJECTED
  std::string worker;     // node of the last worker event ("w1@host"); "" before one
  std::string queue;      // from task-sent; "" when not seen
  // Unix seconds of each event seen (Celery-adjusted), by type: "sent", "received", ...
  std::map<std::string, double> times;
  std::optional<double> runtime;
  std::int64_t retries = 0;
  std::string exception;
  std::string traceback;            // truncated to the table's limit
  std::optional<std::string> args, kwargs;  // only with keep_task_args
  double updated = 0;               // local receive time of the last event
};

struct RecentTasksView {
  double timestamp = 0;
  std::int64_t total = 0;  // tasks matching the filter in the table
  std::int64_t limit = 0, offset = 0;
  std::vector<TaskInfo> tasks;  // newest (last event) first
};

struct TaskNameStats {
  std::string name;
  std::map<std::string, std::int64_t> states;  // tasks of this name in the table, by state
  std::int64_t succeeded = 0, failed = 0;      // finished inside the window
  std::optional<double> failure_rate;          // failed / (succeeded + failed), in the window
  std::optional<double> runtime_p50, runtime_p95, runtime_p99;  // seconds, in the window
};

struct TaskStatsView {
  double timestamp = 0;
  double window_seconds = 0;
  std::vector<TaskNameStats> tasks;  // sorted by name
};

}  // namespace queuemon::sources
