// Fuzz target: the event path (celery-redis-protocol.md §6): pub/sub messages into a
// WorkerTable, as kombu envelopes (OnMessage) and as decoded bodies (ApplyBody), then a
// Workers(). Contract (worker_table.h): undecodable events are counted and skipped, never a
// crash or an exception; one table survives any sequence of messages. The same messages go
// through an EventStream (task table with a small byte budget, task metrics with 3 names): the
// budget holds, and its views and families render.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "sources/celery/event_stream.h"
#include "sources/celery/worker_table.h"

namespace {

queuemon::sources::celery::TaskEventsOptions SmallBounds() {
  queuemon::sources::celery::TaskEventsOptions options;
  options.table.max_bytes = 16 * 1024;
  options.table.max_task_names = 3;
  options.metrics.max_task_names = 3;
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static queuemon::base::ManualClock clock;
  queuemon::sources::celery::WorkerTable table(clock, std::chrono::seconds(60), 64 * 1024);
  queuemon::sources::celery::EventStream stream(clock, SmallBounds(), std::chrono::seconds(60),
                                                64 * 1024);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Messages are separated by a 0 byte; the first byte of each says how it is fed.
  while (!input.empty()) {
    const auto end = input.find('\0');
    std::string_view message = input.substr(0, end);
    input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
    if (message.empty()) continue;
    const char mode = message.front();
    message.remove_prefix(1);
    const std::uint64_t before = table.malformed();
    const bool ok = (mode & 1) ? table.ApplyBody(message) : table.OnMessage(message);
    if (!ok && table.malformed() != before + 1) __builtin_trap();  // every reject is counted
    if (mode & 1) {  // a body: wrapped in a plain-text envelope, as kombu may send it
      stream.OnMessage(nlohmann::json{{"body", message}}.dump(
          -1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      stream.OnMessage(message);
    }
    if (stream.tasks().bytes() > 16 * 1024) __builtin_trap();
    clock.Advance(std::chrono::milliseconds(static_cast<unsigned char>(mode) * 10));
  }
  for (const auto& worker : table.Workers()) {
    if (worker.hostname.empty()) __builtin_trap();
  }
  queuemon::sources::TaskQuery query;
  query.limit = 5;
  if (stream.tasks().Recent(query, 0).tasks.size() > 5) __builtin_trap();
  stream.tasks().Stats(0);
  stream.metrics().Families();
  return 0;
}
