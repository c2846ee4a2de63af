#pragma once
// Changes: what a source tells the layer above when its event stream shows that the state
// behind cached views changed (a worker went offline, a task finished), and the rules that say
// what each change does to the caches (api::CacheControl carries them out).
//
// The change names are the sources' event types ("worker-offline", "task-succeeded", ...) plus
// "worker-expired": a worker whose heartbeats stopped, declared offline by the source.
//
// Thread-safety: constant data, pure functions and plain values.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace queuemon::sources {

// Every change a source may report, in a fixed order (CacheControl counts by index).
inline constexpr std::string_view kChangeNames[] = {
    "worker-online", "worker-heartbeat", "worker-offline", "worker-expired",
    "task-sent",     "task-received",    "task-started",   "task-succeeded",
    "task-failed",   "task-retried",     "task-rejected",  "task-revoked",
};
inline constexpr std::size_t kChangeCount = std::size(kChangeNames);

// The index of `name` in kChangeNames, or nullopt.
std::optional<std::size_t> ChangeIndex(std::string_view name);
// "worker-online, worker-heartbeat, ...": for error messages.
std::string ChangeNameList();

struct StateChange {
  std::size_t change = 0;     // index into kChangeNames
  std::string_view hostname;  // the worker the event came from ("" if unknown)
  std::string_view task_id;   // task events: the task's id ("" otherwise)
};

// Called on the source's event thread for every change, right after the source's own tables
// took it in (so a view collected after the call sees it). Must be quick and must not block.
using ChangeListener = std::function<void(const StateChange&)>;

// What changes do to the caches of the source they come from.
struct ChangeRules {
  // A burst of changes refreshes a cache once, then at most once per this interval.
  std::chrono::milliseconds min_refresh_interval{500};
  // change name -> names of the category caches whose stored entries are refreshed (readers
  // keep the old entry until the new one is stored).
  std::map<std::string, std::vector<std::string>> refresh;
  // Task changes that drop the task's own entry (task_status "task:<id>").
  std::vector<std::string> drop_task;

  bool operator==(const ChangeRules&) const = default;
};

// The defaults: worker-online, worker-offline and worker-expired refresh worker_status and
// metrics_summary; task-succeeded, task-failed and task-revoked drop the task's entry.
ChangeRules DefaultChangeRules();

}  // namespace queuemon::sources
