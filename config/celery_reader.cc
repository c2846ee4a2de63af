// The reader of "kind": "celery" sources (Celery on a Redis broker), and its reload check.
#include "config/celery_reader.h"

#include <algorithm>
#include <functional>

#include <nlohmann/json.hpp>

#include "config/broker_reader.h"
#include "config/checks.h"
#include "config/keys.h"
#include "config/task_events_reader.h"

namespace queuemon::config {
namespace {

using nlohmann::json;
using sources::celery::over_redis::CeleryOptions;

constexpr std::int64_t kMaxTimeoutMs = 600'000;

void ReadConnection(ObjectReader& r, CeleryOptions& source) {
  ReadBrokerConnection(r, source.broker);
  r.ReadString(keys::kResultBackend, source.result_backend.url);
  if (!source.result_backend.url.empty()) {
    CheckRedisUrl(source.result_backend.url, r.PathOf(keys::kResultBackend));
  }
  // One set of timeouts for both connections: they are the same kind of server.
  source.result_backend.connect_timeout = source.broker.connect_timeout;
  source.result_backend.command_timeout = source.broker.command_timeout;
  source.result_backend.backoff_max = source.broker.backoff_max;
}

void ReadKeyNaming(ObjectReader& r, CeleryOptions& source) {
  r.ReadStringList(keys::kQueues, source.queues);
  for (std::size_t i = 0; i < source.queues.size(); ++i) {
    const std::string item = r.PathOf(keys::kQueues) + "[" + std::to_string(i) + "]";
    if (source.queues[i].empty()) FailAt(item, "must not be empty");
    if (std::count(source.queues.begin(), source.queues.end(), source.queues[i]) > 1) {
      FailAt(item, "duplicate queue", json(source.queues[i]));
    }
  }
  r.ReadString(keys::kGlobalKeyprefix, source.global_keyprefix);
  r.ReadIntList(keys::kPrioritySteps, source.priority_steps, 0, 255);
  if (source.priority_steps.empty()) FailAt(r.PathOf(keys::kPrioritySteps), "must not be empty");
  if (std::adjacent_find(source.priority_steps.begin(), source.priority_steps.end(),
                         std::greater_equal<>()) != source.priority_steps.end()) {
    FailAt(r.PathOf(keys::kPrioritySteps), "must be strictly ascending",
           json(source.priority_steps));
  }
  r.ReadString(keys::kSep, source.sep);
  if (source.sep.empty()) FailAt(r.PathOf(keys::kSep), "must not be empty");
  r.ReadString(keys::kPidboxExchange, source.pidbox_exchange);
  if (source.pidbox_exchange.empty()) FailAt(r.PathOf(keys::kPidboxExchange), "must not be empty");
  r.ReadString(keys::kEventsExchange, source.events_exchange);
  if (source.events_exchange.empty()) FailAt(r.PathOf(keys::kEventsExchange), "must not be empty");
}

}  // namespace

std::unique_ptr<sources::SourceOptions> ReadCeleryOptions(ObjectReader& r) {
  auto source = std::make_unique<CeleryOptions>();
  ReadConnection(r, *source);
  ReadKeyNaming(r, *source);
  r.ReadMillis(keys::kInspectTimeoutMs, source->inspect_timeout, 1, kMaxTimeoutMs);
  r.ReadSeconds(keys::kPurgeOfflineAfterSeconds, source->purge_offline_after, false, 30 * 86'400);
  r.ReadSize(keys::kMaxReplyBytes, source->max_reply_bytes, 1024, std::size_t{1} << 30);
  r.ReadSeconds(keys::kQueueDiscoveryIntervalSeconds, source->queue_discovery_interval, false,
                86'400);
  r.ReadSeconds(keys::kIdleQueueGraceSeconds, source->idle_queue_grace, true, 30 * 86'400);
  if (const nlohmann::json* task_events = r.Child(keys::kTaskEvents)) {
    ObjectReader events(*task_events, r.PathOf(keys::kTaskEvents));
    ReadTaskEventsOptions(events, source->task_events);
  }
  return source;
}

std::optional<std::string> FirstCeleryChange(const sources::SourceOptions& running,
                                             const sources::SourceOptions& next,
                                             const std::string& prefix) {
  const auto& a = dynamic_cast<const CeleryOptions&>(running);
  const auto& b = dynamic_cast<const CeleryOptions&>(next);
  if (auto broker = FirstBrokerChange(a.broker, b.broker, prefix)) return broker;
  const std::pair<bool, std::string_view> fields[] = {
      {a.result_backend.url != b.result_backend.url, keys::kResultBackend},
      {a.queues != b.queues, keys::kQueues},
      {a.global_keyprefix != b.global_keyprefix, keys::kGlobalKeyprefix},
      {a.priority_steps != b.priority_steps, keys::kPrioritySteps},
      {a.sep != b.sep, keys::kSep},
      {a.pidbox_exchange != b.pidbox_exchange, keys::kPidboxExchange},
      {a.events_exchange != b.events_exchange, keys::kEventsExchange},
      {a.inspect_timeout != b.inspect_timeout, keys::kInspectTimeoutMs},
      {a.purge_offline_after != b.purge_offline_after, keys::kPurgeOfflineAfterSeconds},
      {a.queue_discovery_interval != b.queue_discovery_interval,
       keys::kQueueDiscoveryIntervalSeconds},
      {a.idle_queue_grace != b.idle_queue_grace, keys::kIdleQueueGraceSeconds},
      {a.max_reply_bytes != b.max_reply_bytes, keys::kMaxReplyBytes},
      {a.task_events != b.task_events, keys::kTaskEvents},
  };
  for (const auto& [changed, key] : fields) {
    if (changed) return prefix + "." + std::string(key);
  }
  return std::nullopt;
}

}  // namespace queuemon::config
