// Fuzz target: the event path (celery-redis-protocol.md §6): pub/sub messages into an
// EventStream (worker table, task table with a small byte budget, task metrics with 3 names),
// as kombu envelopes or as bodies wrapped in a plain-text envelope, with the clock moving.
// Contract: undecodable messages and events are counted and skipped, never a crash or an
// exception; the byte budget holds; the tables' views and the metric families render.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "sources/celery/event_stream.h"

namespace {

using queuemon::sources::celery::EventStream;
using queuemon::sources::celery::TaskEventsOptions;

constexpr std::size_t kTableBytes = 16 * 1024;

TaskEventsOptions SmallBounds() {
  TaskEventsOptions options;
  options.table.max_bytes = kTableBytes;
  options.metrics.max_task_names = 3;
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static queuemon::base::ManualClock clock;
  EventStream stream(clock, SmallBounds(), std::chrono::seconds(60), 64 * 1024);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Messages are separated by a 0 byte; the first byte of each says how it is fed.
  while (!input.empty()) {
    const auto end = input.find('\0');
    std::string_view message = input.substr(0, end);
    input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
    if (message.empty()) continue;
    const char mode = message.front();
    message.remove_prefix(1);
    if (mode & 1) {
      stream.OnMessage(nlohmann::json{{"body", message}}.dump(
          -1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      stream.OnMessage(message);
    }
    if (stream.tasks().bytes() > kTableBytes) __builtin_trap();
    clock.Advance(std::chrono::milliseconds(static_cast<unsigned char>(mode) * 10));
  }
  for (const auto& worker : stream.workers().Workers()) {
    if (worker.hostname.empty()) __builtin_trap();
  }
  queuemon::sources::TaskQuery query;
  query.limit = 5;
  if (stream.tasks().Recent(query, 0).tasks.size() > 5) __builtin_trap();
  stream.tasks().Stats(0);
  stream.metrics().Families();
  return 0;
}
