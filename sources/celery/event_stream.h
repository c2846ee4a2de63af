#pragma once
// EventStream: everything one Celery app's event messages feed. Each message (a kombu envelope
// whose body is one event or a batch of them) is decoded and parsed once; worker events go to
// the WorkerTable, task events to the TaskTable and then, with what the table knows of their
// task, to the TaskMetrics. It counts what arrived, what was malformed and how often the
// subscription was lost, so that event loss is visible (queuemon_events_*).
//
// Broker-neutral: the transport calls OnMessage (Redis) or OnBody (AMQP), and OnSubscription.
// Thread-safety: all methods are thread-safe; OnMessage takes each table's lock in turn, never
// two at once, and never waits for a reader longer than one map update.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "base/clock.h"
#include "sources/changes.h"
#include "sources/celery/task_metrics.h"
#include "sources/celery/task_table.h"
#include "sources/celery/worker_table.h"

namespace queuemon::sources::celery {

struct TaskEventsOptions {
  TaskMetricsOptions metrics;
  TaskTableOptions table;
  // A worker silent this long is offline whatever its heartbeat frequency (0: no such limit).
  std::chrono::milliseconds worker_timeout{std::chrono::minutes(5)};

  bool operator==(const TaskEventsOptions&) const = default;
};

struct EventCounts {
  std::uint64_t received = 0;             // events (a batch counts each of its events)
  std::uint64_t malformed = 0;            // messages or events that could not be decoded
  std::uint64_t subscription_resets = 0;  // times an established subscription was lost
};

class EventStream final {
 public:
  // `purge_offline_after`: offline workers leave the worker table (and their series the
  // metrics) this long after their last event. REQUIRES: `clock` outlives the stream.
  EventStream(const base::Clock& clock, const TaskEventsOptions& options,
              std::chrono::milliseconds purge_offline_after, std::size_t max_event_bytes);

  // Who hears of each change (sources/changes.h): every event's own type once the tables took
  // it in, "worker-online" too when a heartbeat or task event brings back a worker reported
  // offline, "worker-expired" from CheckExpired. Set before messages flow.
  void SetChangeListener(ChangeListener listener) { listener_ = std::move(listener); }

  // One kombu envelope (Redis) whose body is an event or a batch of them.
  void OnMessage(std::string_view payload);
  // One message body (AMQP carries it bare): an event or a batch of them, JSON.
  void OnBody(std::string_view body);
  // The subscription's state changed; a loss after it was up counts as a reset.
  void OnSubscription(bool up);
  // Reports the workers that fell silent since the last call as "worker-expired" changes. The
  // transport calls it periodically (their heartbeats stop, so no event would tell).
  void CheckExpired();

  WorkerTable& workers() { return workers_; }
  const WorkerTable& workers() const { return workers_; }
  TaskTable& tasks() { return tasks_; }
  const TaskTable& tasks() const { return tasks_; }
  TaskMetrics& metrics() { return metrics_; }
  const TaskMetrics& metrics() const { return metrics_; }
  EventCounts counts() const;

 private:
  void OnEvent(const nlohmann::json& event);
  void Notify(std::size_t change, std::string_view hostname, std::string_view task_id) const;

  const std::size_t max_event_bytes_;
  const int here_offset_hours_;
  WorkerTable workers_;
  TaskTable tasks_;
  TaskMetrics metrics_;
  std::atomic<std::uint64_t> received_{0}, malformed_{0}, resets_{0};
  std::atomic<bool> was_up_{false};
  ChangeListener listener_;
};

// `purge_offline_after` as the metrics' purge too: one setting, as celery-exporter's
// --purge-offline-worker-metrics.
TaskMetricsOptions WithPurge(TaskMetricsOptions options, std::chrono::milliseconds purge);
// The metrics' max_task_names bounds the table's per-name statistics too: one setting.
TaskTableOptions WithNameBound(TaskTableOptions options, std::size_t max_task_names);

}  // namespace queuemon::sources::celery
