#pragma once
// The one table of views. Every view a source answers has one row: its cache key, the category
// cache that holds it, its route below /api/v1/{source}, and whether start-up loads it. The
// category caches have their own rows (config name, defaults). The API's routes, the caches and
// their stats, the config's defaults and checks, the 404 texts and the warm-up all read these
// tables, so a new view is one row here plus its builder in each kind's Source::Collect.
//
// Thread-safety: constant data and pure functions.

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace queuemon::sources {

enum class View { kWorkers, kQueues, kTasks, kRecentTasks, kTaskStats, kTask, kSummary, kHealth };

// What start-up (and a source coming back) does with a view.
enum class Warm {
  kNo,          // loaded on demand only (one entry per task id)
  kBackground,  // loaded in the background
  kAwaited,     // loaded, and READY=1 waits for it (up to startup.warmup_deadline_ms)
};

// What a view's route carries besides the view itself (ViewRequest::argument).
enum class Argument {
  kNone,
  kTaskId,     // the {task_id} of the route, checked with ValidTaskId
  kTaskQuery,  // the query's filter, checked by ParseTaskQuery, as TaskQuery::Canonical()
  kViewFilter,  // the query's filter, checked by ParseViewFilter, as ViewFilter::Canonical():
                // "" (no filter) is the view's plain key; a filtered answer is derived from it
};

struct ViewSpec {
  View view;
  std::string_view key;       // the cache key ("workers"); a kTask entry is "task:<id>"
  std::string_view category;  // the category cache that holds it ("worker_status")
  std::string_view route;     // below /api/v1/{source}; "{task_id}" is the one placeholder
  Warm warm;
  Argument argument = Argument::kNone;
};

// In route order, which is also the order of enum View (SpecOf indexes by it; views.cc checks
// at compile time): routes match in order, so "tasks/status", "tasks/recent" and "tasks/stats"
// precede "tasks/{task_id}". recent and task_stats come from task events (sources without
// them answer kNotFound).
inline constexpr ViewSpec kViews[] = {
    {View::kWorkers, "workers", "worker_status", "/workers/status", Warm::kAwaited, Argument::kViewFilter},
    {View::kQueues, "queues", "queue_status", "/queues/status", Warm::kAwaited, Argument::kViewFilter},
    {View::kTasks, "tasks", "task_status", "/tasks/status", Warm::kBackground},
    {View::kRecentTasks, "recent", "task_status", "/tasks/recent", Warm::kNo, Argument::kTaskQuery},
    {View::kTaskStats, "task_stats", "task_status", "/tasks/stats", Warm::kNo},
    {View::kTask, "task", "task_status", "/tasks/{task_id}", Warm::kNo, Argument::kTaskId},
    {View::kSummary, "summary", "metrics_summary", "/metrics/summary", Warm::kAwaited},
    {View::kHealth, "health", "health_check", "/health", Warm::kAwaited},
};

// A category cache: its name (the key under "caches" in the config, and in /cache/stats) and
// the defaults of design.md.
struct CategorySpec {
  std::string_view name;
  std::chrono::seconds ttl;
  std::size_t max_entries;
};

inline constexpr CategorySpec kCategories[] = {
    {"task_status", std::chrono::seconds(2), 500},
    {"worker_status", std::chrono::seconds(5), 100},
    {"queue_status", std::chrono::seconds(3), 100},
    {"metrics_summary", std::chrono::seconds(5), 100},
    {"health_check", std::chrono::seconds(10), 50},
};
// The stale window every category gets by default.
inline constexpr std::chrono::seconds kDefaultStaleFor{300};

const ViewSpec& SpecOf(View view);

// The cache key of a view: "workers", ..., "task:<id>", "recent:<canonical filter>",
// "workers:<canonical filter>" (a filtered answer; "workers" without a filter).
std::string ViewKey(View view, std::string_view argument = {});

// The view and argument a cache key names (the inverse of ViewKey), or nullopt.
struct KeyedView {
  View view;
  std::string argument;
};
std::optional<KeyedView> ParseViewKey(std::string_view key);

// "task_status, worker_status, ...": the category names, for error messages.
std::string CategoryList();
// True if `name` is a category's.
bool ValidCategory(std::string_view name);

// A task id is accepted if it is 1..155 chars of [A-Za-z0-9_.:@-] (Celery ids are uuid4 by
// default, but apps may set their own). Anything else could address other keys of a broker.
bool ValidTaskId(std::string_view id);

}  // namespace queuemon::sources
