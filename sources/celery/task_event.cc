// Task event objects -> TaskEvent.
#include "sources/celery/task_event.h"

#include <array>
#include <cctype>
#include <ctime>

#include <nlohmann/json.hpp>

namespace queuemon::sources::celery {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, kTaskEventTypes> kStems = {
    "sent", "received", "started", "succeeded", "failed", "rejected", "revoked", "retried"};

void CopyString(const json& event, const char* key, std::string& out) {
  const auto it = event.find(key);
  if (it != event.end() && it->is_string()) out = it->get<std::string>();
}

std::optional<double> Number(const json& event, const char* key) {
  const auto it = event.find(key);
  if (it == event.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// Python's floor division, which utcoffset() uses (-19800 // 3600 == -6).
int FloorDiv(long a, long b) { return static_cast<int>(a / b - ((a % b != 0) && ((a < 0) != (b < 0)))); }

}  // namespace

std::string_view StemOf(TaskEventType type) { return kStems[static_cast<std::size_t>(type)]; }

std::optional<TaskEventType> TaskEventTypeOf(std::string_view type) {
  if (!type.starts_with("task-")) return std::nullopt;
  type.remove_prefix(5);
  for (std::size_t i = 0; i < kStems.size(); ++i) {
    if (kStems[i] == type) return static_cast<TaskEventType>(i);
  }
  return std::nullopt;
}

int LocalUtcOffsetHours() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  // tm_gmtoff is seconds EAST of UTC; Python's timezone/altzone are seconds WEST.
  return FloorDiv(-local.tm_gmtoff, 3600);
}

std::optional<TaskEvent> ReadTaskEvent(const json& event, int here_offset_hours,
                                       double local_received) {
  if (!event.is_object()) return std::nullopt;
  const auto type_it = event.find("type");
  const auto uuid_it = event.find("uuid");
  const auto host_it = event.find("hostname");
  if (type_it == event.end() || !type_it->is_string() || uuid_it == event.end() ||
      !uuid_it->is_string() || host_it == event.end() || !host_it->is_string()) {
    return std::nullopt;
  }
  const std::optional<TaskEventType> type = TaskEventTypeOf(type_it->get_ref<const std::string&>());
  if (!type) return std::nullopt;
  TaskEvent out;
  out.type = *type;
  out.uuid = uuid_it->get<std::string>();
  out.hostname = host_it->get<std::string>();
  out.local_received = local_received;
  CopyString(event, "name", out.name);
  CopyString(event, "queue", out.queue);
  CopyString(event, "exception", out.exception);
  CopyString(event, "traceback", out.traceback);
  CopyString(event, "args", out.args);
  CopyString(event, "kwargs", out.kwargs);
  out.runtime = Number(event, "runtime");
  if (const auto retries = Number(event, "retries"); retries && *retries >= 0 && *retries < 1e9) {
    out.retries = static_cast<std::int64_t>(*retries);  // range-checked: the cast is exact
  }
  // EventReceiver.event_from_message: timestamp - (utcoffset - here) * 3600, when both exist.
  const std::optional<double> timestamp = Number(event, "timestamp");
  const std::optional<double> offset = Number(event, "utcoffset");
  out.timestamp = timestamp.value_or(local_received);
  if (timestamp && offset) out.timestamp = *timestamp - (*offset - here_offset_hours) * 3600.0;
  return out;
}

std::string ExceptionClass(std::string_view exception) {
  std::size_t n = 0;
  while (n < exception.size() &&
         (std::isalnum(static_cast<unsigned char>(exception[n])) || exception[n] == '_')) {
    ++n;
  }
  if (n == 0 || n == exception.size() || exception[n] != '(') return "UnknownException";
  return std::string(exception.substr(0, n));
}

}  // namespace queuemon::sources::celery
