// Task events -> the live task table.
#include "sources/celery/task_table.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "sources/metric_family.h"

namespace queuemon::sources::celery {
namespace {

// Celery's TASK_EVENT_TO_STATE, in TaskEventType order.
constexpr std::array<std::string_view, kTaskEventTypes> kStateOf = {
    "PENDING", "RECEIVED", "STARTED", "SUCCESS", "FAILURE", "REJECTED", "REVOKED", "RETRY"};

// celery.states.PRECEDENCE: a lower index comes later in a task's life.
int Precedence(std::string_view state) {
  constexpr std::array<std::string_view, 9> kOrder = {
      "SUCCESS", "FAILURE", "", "REVOKED", "STARTED", "RECEIVED", "REJECTED", "RETRY", "PENDING"};
  const auto it = std::find(kOrder.begin(), kOrder.end(), state);
  return it == kOrder.end() ? 2 : static_cast<int>(it - kOrder.begin());
}

// Events before the task's name arrived (task-started before task-received) count under this.
const std::string kUnknownName = "unknown";

bool Finished(std::string_view state) {
  return state == "SUCCESS" || state == "FAILURE" || state == "REVOKED" || state == "REJECTED";
}

std::string Truncated(const std::string& text, std::size_t max) {
  if (text.size() <= max) return text;
  return text.substr(0, max) + "\n... (truncated)";
}

// Nearest-rank percentile of sorted values.
double Percentile(const std::vector<double>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size(), std::max<std::size_t>(rank, 1)) - 1];
}

bool Matches(const TaskInfo& t, const TaskQuery& q) {
  if (!q.state.empty() && t.state != q.state) return false;
  if (!q.name.empty() && t.name != q.name) return false;
  if (!q.worker.empty() && t.worker != q.worker && HostOf(t.worker) != q.worker) return false;
  return true;
}

}  // namespace

TaskTable::TaskTable(TaskTableOptions options) : options_(std::move(options)) {}

TaskTable::Record& TaskTable::RecordOf(const std::string& id) {
  const auto it = index_.find(id);
  if (it != index_.end()) return *it->second;
  running_.emplace_back();
  Record& record = running_.back();
  record.info.id = id;
  record.info.state = "PENDING";
  index_.emplace(id, std::prev(running_.end()));
  return record;
}

AppliedEvent TaskTable::Apply(const TaskEvent& event) {
  base::MutexLock lock(mu_);
  Record& record = RecordOf(event.uuid);
  Update(record, event);
  NoteOutcome(record, event);
  AppliedEvent applied{record.info.name, record.info.queue, std::nullopt};
  const auto sent = record.info.times.find("sent");
  const auto started = record.info.times.find("started");
  if (!record.queue_wait_reported && sent != record.info.times.end() &&
      started != record.info.times.end()) {
    record.queue_wait_reported = true;
    applied.queue_wait = std::max(0.0, started->second - sent->second);
  }
  Evict();
  return applied;
}

void TaskTable::Update(Record& record, const TaskEvent& event) {
  TaskInfo& t = record.info;
  t.times[std::string(StemOf(event.type))] = event.timestamp;
  t.updated = event.local_received;
  if (!event.name.empty()) t.name = event.name;
  if (!event.queue.empty()) t.queue = event.queue;
  if (event.type != TaskEventType::kSent) t.worker = event.hostname;
  if (event.runtime) t.runtime = event.runtime;
  if (event.retries) t.retries = *event.retries;
  if (!event.exception.empty()) t.exception = event.exception;
  if (!event.traceback.empty()) t.traceback = Truncated(event.traceback, options_.max_traceback_bytes);
  if (options_.keep_task_args && !event.args.empty()) t.args = event.args;
  if (options_.keep_task_args && !event.kwargs.empty()) t.kwargs = event.kwargs;
  const std::string_view state = kStateOf[static_cast<std::size_t>(event.type)];
  // celery.events.state.Task.event: a state that logically precedes the current one only
  // merges fields (RETRY always moves).
  if (state == "RETRY" || t.state == "RETRY" || Precedence(state) <= Precedence(t.state)) {
    t.state = std::string(state);
  }
  Reposition(record);
}

void TaskTable::Reposition(Record& record) {
  const bool was_finished = record.finished;
  record.finished = Finished(record.info.state);
  record.seq = ++seq_;
  bytes_ -= record.bytes;
  record.bytes = Estimate(record);
  bytes_ += record.bytes;
  const auto it = index_.at(record.info.id);
  List& from = was_finished ? finished_ : running_;
  List& to = record.finished ? finished_ : running_;
  to.splice(to.end(), from, it);
}

std::size_t TaskTable::Estimate(const Record& r) const {
  const TaskInfo& t = r.info;
  std::size_t bytes = sizeof(Record) + 2 * t.id.size() + 96;  // + index entry and list node
  bytes += t.name.size() + t.state.size() + t.worker.size() + t.queue.size() +
           t.exception.size() + t.traceback.size();
  bytes += t.times.size() * 64;
  if (t.args) bytes += t.args->size();
  if (t.kwargs) bytes += t.kwargs->size();
  return bytes;
}

void TaskTable::Evict() {
  while (bytes_ > options_.max_bytes && (!finished_.empty() || !running_.empty())) {
    List& from = finished_.empty() ? running_ : finished_;
    bytes_ -= from.front().bytes;
    index_.erase(from.front().info.id);
    from.pop_front();
    ++evictions_;
  }
}

void TaskTable::NoteOutcome(const Record& record, const TaskEvent& event) {
  if (event.type != TaskEventType::kSucceeded && event.type != TaskEventType::kFailed) return;
  std::string_view name = record.info.name.empty() ? kUnknownName : record.info.name;
  if (outcomes_.find(name) == outcomes_.end() && outcomes_.size() >= options_.max_task_names) {
    name = kOverflowName;
  }
  auto it = outcomes_.find(name);
  if (it == outcomes_.end()) it = outcomes_.emplace(std::string(name), std::deque<Outcome>{}).first;
  it->second.push_back(Outcome{event.local_received, event.type == TaskEventType::kSucceeded,
                               event.runtime});
  if (it->second.size() > kSamplesPerName) it->second.pop_front();
}

std::optional<TaskInfo> TaskTable::Find(std::string_view id) const {
  base::MutexLock lock(mu_);
  const auto it = index_.find(std::string(id));
  if (it == index_.end()) return std::nullopt;
  return it->second->info;
}

RecentTasksView TaskTable::Recent(const TaskQuery& query, double now) const {
  RecentTasksView view;
  view.timestamp = now;
  view.limit = query.limit;
  view.offset = query.offset;
  base::MutexLock lock(mu_);
  auto f = finished_.rbegin();
  auto r = running_.rbegin();
  while (f != finished_.rend() || r != running_.rend()) {
    const bool take_finished =
        r == running_.rend() || (f != finished_.rend() && f->seq > r->seq);
    const Record& record = take_finished ? *f++ : *r++;  // newest first
    if (!Matches(record.info, query)) continue;
    if (view.total >= query.offset && view.total < query.offset + query.limit) {
      view.tasks.push_back(record.info);
    }
    ++view.total;
  }
  return view;
}

TaskStatsView TaskTable::Stats(double now) const {
  TaskStatsView view;
  view.timestamp = now;
  view.window_seconds = std::chrono::duration<double>(options_.stats_window).count();
  const double since = now - view.window_seconds;
  std::map<std::string, TaskNameStats> by_name;
  base::MutexLock lock(mu_);
  for (const List* list : {&finished_, &running_}) {
    for (const Record& record : *list) {
      const std::string& name = record.info.name.empty() ? kUnknownName : record.info.name;
      ++by_name[name].states[record.info.state];
    }
  }
  for (const auto& [name, outcomes] : outcomes_) {
    TaskNameStats& stats = by_name[name];
    std::vector<double> runtimes;
    for (const Outcome& o : outcomes) {
      if (o.at < since) continue;
      ++(o.success ? stats.succeeded : stats.failed);
      if (o.success && o.runtime) runtimes.push_back(*o.runtime);
    }
    if (stats.succeeded + stats.failed > 0) {
      stats.failure_rate = static_cast<double>(stats.failed) /
                           static_cast<double>(stats.succeeded + stats.failed);
    }
    if (runtimes.empty()) continue;
    std::sort(runtimes.begin(), runtimes.end());
    stats.runtime_p50 = Percentile(runtimes, 0.50);
    stats.runtime_p95 = Percentile(runtimes, 0.95);
    stats.runtime_p99 = Percentile(runtimes, 0.99);
  }
  for (auto& [name, stats] : by_name) {
    stats.name = name;
    view.tasks.push_back(std::move(stats));
  }
  return view;
}

std::size_t TaskTable::size() const {
  base::MutexLock lock(mu_);
  return index_.size();
}

std::size_t TaskTable::bytes() const {
  base::MutexLock lock(mu_);
  return bytes_;
}

std::uint64_t TaskTable::evictions() const {
  base::MutexLock lock(mu_);
  return evictions_;
}

}  // namespace queuemon::sources::celery
