#pragma once
// TaskTable: the live task table built from task events, bounded by a byte budget. Per task id
// its name, state, worker, queue, the time of each event, runtime, retries, exception and
// traceback (truncated), and args/kwargs only with keep_task_args (they may hold secrets).
//
// State follows Celery's events.state: an event whose state logically precedes the current one
// (task-sent arriving after task-started, as prefork workers and clients race) only fills in
// fields, it never moves the state back. Over budget, the least recently updated FINISHED task
// (SUCCESS, FAILURE, REVOKED, REJECTED) goes first; unfinished ones only when none is left.
// Per task name it also keeps the outcomes of the last kSamplesPerName finished tasks (time,
// success, runtime), which outlive eviction, for Stats().
//
// Thread-safety: all methods are thread-safe (one mutex, held for map/list updates and the
// copies a query returns; never across I/O).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "sources/celery/task_event.h"
#include "sources/task_query.h"
#include "sources/task_views.h"

namespace queuemon::sources::celery {

struct TaskTableOptions {
  std::size_t max_bytes = std::size_t{64} << 20;
  bool keep_task_args = false;
  std::size_t max_traceback_bytes = 4096;
  std::chrono::milliseconds stats_window{std::chrono::minutes(15)};
  // Names with per-name statistics; later ones are pooled. Set from the metrics' bound by
  // EventStream (WithNameBound), not read from the config on its own.
  std::size_t max_task_names = 1000;

  bool operator==(const TaskTableOptions&) const = default;
};

// What an event told the task metrics about its task (copies: the table may evict it).
struct AppliedEvent {
  std::string name;                  // "" when unknown
  std::string queue;                 // "" when no task-sent seen
  std::optional<double> queue_wait;  // sent -> started, reported once per task
};

class TaskTable final {
 public:
  static constexpr std::size_t kSamplesPerName = 512;

  explicit TaskTable(TaskTableOptions options);

  AppliedEvent Apply(const TaskEvent& event);

  std::optional<TaskInfo> Find(std::string_view id) const;
  // `now`: wall-clock Unix seconds, the view's timestamp.
  RecentTasksView Recent(const TaskQuery& query, double now) const;
  TaskStatsView Stats(double now) const;

  std::size_t size() const;
  std::size_t bytes() const;
  std::uint64_t evictions() const;

 private:
  struct Record {
    TaskInfo info;
    std::uint64_t seq = 0;       // update order, for Recent()
    std::size_t bytes = 0;       // estimate, counted in bytes_
    bool queue_wait_reported = false;
    bool finished = false;
  };
  using List = std::list<Record>;
  struct Outcome {
    double at = 0;  // local receive time
    bool success = false;
    std::optional<double> runtime;
  };

  Record& RecordOf(const std::string& id) REQUIRES(mu_);
  void Update(Record& record, const TaskEvent& event) REQUIRES(mu_);
  void Reposition(Record& record) REQUIRES(mu_);
  void Evict() REQUIRES(mu_);
  void NoteOutcome(const Record& record, const TaskEvent& event) REQUIRES(mu_);
  std::size_t Estimate(const Record& record) const;

  const TaskTableOptions options_;
  mutable base::Mutex mu_;
  List finished_ GUARDED_BY(mu_), running_ GUARDED_BY(mu_);  // least recently updated first
  std::unordered_map<std::string, List::iterator> index_ GUARDED_BY(mu_);
  std::map<std::string, std::deque<Outcome>, std::less<>> outcomes_ GUARDED_BY(mu_);
  std::size_t bytes_ GUARDED_BY(mu_) = 0;
  std::uint64_t seq_ GUARDED_BY(mu_) = 0;
  std::uint64_t evictions_ GUARDED_BY(mu_) = 0;
};

}  // namespace queuemon::sources::celery
