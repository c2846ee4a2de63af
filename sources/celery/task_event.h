#pragma once
// TaskEvent: one Celery task event (task-sent ... task-retried; celery-redis-protocol.md §6),
// read from its JSON object the way Celery's EventReceiver reads it: `timestamp` is adjusted by
// the sender's `utcoffset` against ours (celery.utils.time.adjust_timestamp) and
// `local_received` is our wall clock at receipt. Pure functions; thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace queuemon::sources::celery {

// The task name that stands for every name past a cardinality bound (metrics, statistics).
inline constexpr std::string_view kOverflowName = "__overflow__";

// The task event types, in celery-exporter's counter order.
enum class TaskEventType { kSent, kReceived, kStarted, kSucceeded, kFailed, kRejected, kRevoked, kRetried };
inline constexpr std::size_t kTaskEventTypes = 8;
// "sent", "received", ...: the counter stem (celery_task_<stem>_total) and the type suffix.
std::string_view StemOf(TaskEventType type);
// "task-sent" -> kSent; nullopt for any other text.
std::optional<TaskEventType> TaskEventTypeOf(std::string_view type);

struct TaskEvent {
  TaskEventType type = TaskEventType::kSent;
  std::string uuid;
  std::string hostname;        // the node that sent the event: "w1@host" (or "gen123@client")
  std::string name;            // task-sent and task-received only
  std::string queue;           // task-sent only
  double timestamp = 0;        // Unix seconds, adjusted as Celery does
  double local_received = 0;   // our wall clock when it arrived
  std::optional<double> runtime;    // task-succeeded
  std::string exception;            // task-failed / task-retried: "ValueError('boom')"
  std::string traceback;            // task-failed / task-retried
  std::optional<std::int64_t> retries;
  std::string args, kwargs;         // task-sent / task-received (repr strings)
};

// Celery's utcoffset(): hours WEST of UTC of this host now (Python's time.timezone // 3600,
// or altzone in daylight-saving time, floor-divided).
int LocalUtcOffsetHours();

// Reads one event object. nullopt when it is no task event or lacks uuid/hostname/type
// (`uuid` and `hostname` must be strings). `here_offset_hours`: LocalUtcOffsetHours().
std::optional<TaskEvent> ReadTaskEvent(const nlohmann::json& event, int here_offset_hours,
                                       double local_received);

// The exception class of "ValueError('boom')" as celery-exporter's get_exception_class_name:
// a leading identifier followed by '(', else "UnknownException".
std::string ExceptionClass(std::string_view exception);

}  // namespace queuemon::sources::celery
