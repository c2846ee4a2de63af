// Event messages -> worker table, task table, task metrics.
#include "sources/celery/event_stream.h"

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "sources/celery/pidbox_codec.h"

namespace queuemon::sources::celery {

using nlohmann::json;

TaskMetricsOptions WithPurge(TaskMetricsOptions options, std::chrono::milliseconds purge) {
  options.purge_offline_after = purge;
  return options;
}

TaskTableOptions WithNameBound(TaskTableOptions options, std::size_t max_task_names) {
  options.max_task_names = max_task_names;
  return options;
}

EventStream::EventStream(const base::Clock& clock, const TaskEventsOptions& options,
                         std::chrono::milliseconds purge_offline_after,
                         std::size_t max_event_bytes)
    : max_event_bytes_(max_event_bytes),
      here_offset_hours_(LocalUtcOffsetHours()),
      workers_(clock, purge_offline_after, options.worker_timeout),
      tasks_(WithNameBound(options.table, options.metrics.max_task_names)),
      metrics_(WithPurge(options.metrics, purge_offline_after), clock) {}

void EventStream::OnMessage(std::string_view payload) {
  auto body = DecodeEnvelopeBody(payload, max_event_bytes_);
  if (!body) {
    malformed_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  OnBody(*body);
}

void EventStream::OnBody(std::string_view body) {
  json doc = body.size() <= max_event_bytes_ ? json::parse(body, nullptr, /*allow_exceptions=*/false)
                                             : json();
  if (!doc.is_object() && !doc.is_array()) {
    malformed_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (doc.is_object()) {
    OnEvent(doc);
    return;
  }
  for (const json& event : doc) OnEvent(event);
}

void EventStream::OnEvent(const json& event) {
  received_.fetch_add(1, std::memory_order_relaxed);
  const std::optional<WorkerTable::Liveness> liveness = workers_.ApplyEvent(event);
  if (!liveness) {
    malformed_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const auto& type = event.at("type").get_ref<const std::string&>();
  const auto& hostname = event.at("hostname").get_ref<const std::string&>();
  std::string_view task_id;
  if (!type.starts_with("task-")) {
    metrics_.Seen(hostname);
  } else if (const std::optional<TaskEvent> task =
                 ReadTaskEvent(event, here_offset_hours_, base::UnixNow())) {
    const AppliedEvent applied = tasks_.Apply(*task);
    metrics_.Record(*task, TaskFacts{applied.name, applied.queue, applied.queue_wait});
    task_id = event.at("uuid").get_ref<const std::string&>();
  } else {
    // A task-* type Celery does not define, or no uuid: nothing to count it under.
    if (!event.contains("uuid") || !event.at("uuid").is_string()) {
      malformed_.fetch_add(1, std::memory_order_relaxed);
    }
    return;
  }
  if (!listener_) return;
  if (const auto change = ChangeIndex(type)) Notify(*change, hostname, task_id);
  if (*liveness == WorkerTable::Liveness::kCameOnline && type != "worker-online") {
    Notify(*ChangeIndex("worker-online"), hostname, {});
  }
}

void EventStream::Notify(std::size_t change, std::string_view hostname,
                         std::string_view task_id) const {
  listener_(StateChange{change, hostname, task_id});
}

void EventStream::CheckExpired() {
  static const std::size_t kExpired = *ChangeIndex("worker-expired");
  const std::vector<std::string> expired = workers_.TakeExpired();
  if (!listener_) return;
  for (const std::string& hostname : expired) Notify(kExpired, hostname, {});
}

void EventStream::OnSubscription(bool up) {
  const bool was_up = was_up_.exchange(up, std::memory_order_relaxed);
  if (was_up && !up) resets_.fetch_add(1, std::memory_order_relaxed);
}

EventCounts EventStream::counts() const {
  return EventCounts{received_.load(std::memory_order_relaxed),
                     malformed_.load(std::memory_order_relaxed),
                     resets_.load(std::memory_order_relaxed)};
}

}  // namespace queuemon::sources::celery
