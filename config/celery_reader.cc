// The reader of "kind": "celery" sources, and its reload check. The broker URL's scheme picks
// the transport: redis:// and unix:// read CeleryOptions (Celery on Redis), amqp:// and
// amqps:// read CeleryAmqpOptions (Celery on RabbitMQ). Keys of the other transport are
// unknown keys (the reader stops start-up naming them).
#include "config/celery_reader.h"

#include <algorithm>
#include <functional>

#include <nlohmann/json.hpp>

#include "amqp/management.h"
#include "amqp/url.h"
#include "config/broker_reader.h"
#include "config/checks.h"
#include "config/keys.h"
#include "config/task_events_reader.h"

namespace queuemon::config {
namespace {

using nlohmann::json;
using sources::celery::CeleryAppOptions;
using sources::celery::over_amqp::CeleryAmqpOptions;
using sources::celery::over_redis::CeleryOptions;

constexpr std::int64_t kMaxTimeoutMs = 600'000;
constexpr std::size_t kMaxAmqpName = 255;  // a short string on the wire

void ReadResultBackend(ObjectReader& r, redis::RedisOptions& backend,
                       std::chrono::milliseconds connect_timeout,
                       std::chrono::milliseconds command_timeout,
                       std::chrono::milliseconds backoff_max) {
  r.ReadString(keys::kResultBackend, backend.url);
  if (!backend.url.empty()) CheckRedisUrl(backend.url, r.PathOf(keys::kResultBackend));
  // One set of timeouts for both connections.
  backend.connect_timeout = connect_timeout;
  backend.command_timeout = command_timeout;
  backend.backoff_max = backoff_max;
}

// The keys every Celery source has, whatever its broker.
void ReadAppOptions(ObjectReader& r, CeleryAppOptions& source) {
  r.ReadStringList(keys::kQueues, source.queues);
  for (std::size_t i = 0; i < source.queues.size(); ++i) {
    const std::string item = r.PathOf(keys::kQueues) + "[" + std::to_string(i) + "]";
    if (source.queues[i].empty()) FailAt(item, "must not be empty");
    if (std::count(source.queues.begin(), source.queues.end(), source.queues[i]) > 1) {
      FailAt(item, "duplicate queue", json(source.queues[i]));
    }
  }
  r.ReadString(keys::kPidboxExchange, source.pidbox_exchange);
  if (source.pidbox_exchange.empty()) FailAt(r.PathOf(keys::kPidboxExchange), "must not be empty");
  r.ReadString(keys::kEventsExchange, source.events_exchange);
  if (source.events_exchange.empty()) FailAt(r.PathOf(keys::kEventsExchange), "must not be empty");
  r.ReadMillis(keys::kInspectTimeoutMs, source.inspect_timeout, 1, kMaxTimeoutMs);
  r.ReadSeconds(keys::kPurgeOfflineAfterSeconds, source.purge_offline_after, false, 30 * 86'400);
  r.ReadSize(keys::kMaxReplyBytes, source.max_reply_bytes, 1024, std::size_t{1} << 30);
  r.ReadSeconds(keys::kIdleQueueGraceSeconds, source.idle_queue_grace, true, 30 * 86'400);
  if (const nlohmann::json* task_events = r.Child(keys::kTaskEvents)) {
    ObjectReader events(*task_events, r.PathOf(keys::kTaskEvents));
    ReadTaskEventsOptions(events, source.task_events);
  }
}

// kombu's Redis key naming.
void ReadKeyNaming(ObjectReader& r, CeleryOptions& source) {
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
}

std::unique_ptr<sources::SourceOptions> ReadRedisCelery(ObjectReader& r) {
  auto source = std::make_unique<CeleryOptions>();
  ReadBrokerConnection(r, source->broker);
  ReadResultBackend(r, source->result_backend, source->broker.connect_timeout,
                    source->broker.command_timeout, source->broker.backoff_max);
  ReadAppOptions(r, *source);
  ReadKeyNaming(r, *source);
  r.ReadSeconds(keys::kQueueDiscoveryIntervalSeconds, source->queue_discovery_interval, false,
                86'400);
  return source;
}

std::unique_ptr<sources::SourceOptions> ReadAmqpCelery(ObjectReader& r) {
  auto source = std::make_unique<CeleryAmqpOptions>();
  ReadBrokerConnection(r, source->broker);
  ReadResultBackend(r, source->result_backend, source->broker.connect_timeout,
                    source->broker.command_timeout, source->broker.backoff_max);
  r.ReadString(keys::kManagementUrl, source->management_url);
  if (!source->management_url.empty()) {
    if (std::string why = amqp::CheckManagementUrl(source->management_url); !why.empty()) {
      FailAt(r.PathOf(keys::kManagementUrl), why);
    }
  }
  ReadAppOptions(r, *source);
  for (std::size_t i = 0; i < source->queues.size(); ++i) {
    if (source->queues[i].size() > kMaxAmqpName) {
      FailAt(r.PathOf(keys::kQueues) + "[" + std::to_string(i) + "]",
             "an AMQP queue name is at most 255 bytes");
    }
  }
  return source;
}

std::optional<std::string> FirstAppChange(const CeleryAppOptions& a, const CeleryAppOptions& b,
                                          const std::string& prefix) {
  const std::pair<bool, std::string_view> fields[] = {
      {a.queues != b.queues, keys::kQueues},
      {a.pidbox_exchange != b.pidbox_exchange, keys::kPidboxExchange},
      {a.events_exchange != b.events_exchange, keys::kEventsExchange},
      {a.inspect_timeout != b.inspect_timeout, keys::kInspectTimeoutMs},
      {a.purge_offline_after != b.purge_offline_after, keys::kPurgeOfflineAfterSeconds},
      {a.idle_queue_grace != b.idle_queue_grace, keys::kIdleQueueGraceSeconds},
      {a.max_reply_bytes != b.max_reply_bytes, keys::kMaxReplyBytes},
      {a.task_events != b.task_events, keys::kTaskEvents},
  };
  for (const auto& [changed, key] : fields) {
    if (changed) return prefix + "." + std::string(key);
  }
  return std::nullopt;
}

std::optional<std::string> FirstRedisChange(const CeleryOptions& a, const CeleryOptions& b,
                                            const std::string& prefix) {
  if (auto broker = FirstBrokerChange(a.broker, b.broker, prefix)) return broker;
  const std::pair<bool, std::string_view> fields[] = {
      {a.result_backend.url != b.result_backend.url, keys::kResultBackend},
      {a.global_keyprefix != b.global_keyprefix, keys::kGlobalKeyprefix},
      {a.priority_steps != b.priority_steps, keys::kPrioritySteps},
      {a.sep != b.sep, keys::kSep},
      {a.queue_discovery_interval != b.queue_discovery_interval,
       keys::kQueueDiscoveryIntervalSeconds},
  };
  for (const auto& [changed, key] : fields) {
    if (changed) return prefix + "." + std::string(key);
  }
  return FirstAppChange(a, b, prefix);
}

std::optional<std::string> FirstAmqpChange(const CeleryAmqpOptions& a, const CeleryAmqpOptions& b,
                                           const std::string& prefix) {
  if (auto broker = FirstBrokerChange(a.broker, b.broker, prefix)) return broker;
  if (a.result_backend.url != b.result_backend.url) return prefix + "." + std::string(keys::kResultBackend);
  if (a.management_url != b.management_url) return prefix + "." + std::string(keys::kManagementUrl);
  return FirstAppChange(a, b, prefix);
}

}  // namespace

std::unique_ptr<sources::SourceOptions> ReadCeleryOptions(ObjectReader& r) {
  std::string broker;
  r.ReadString(keys::kBroker, broker);
  return amqp::IsAmqpUrl(broker) ? ReadAmqpCelery(r) : ReadRedisCelery(r);
}

std::optional<std::string> FirstCeleryChange(const sources::SourceOptions& running,
                                             const sources::SourceOptions& next,
                                             const std::string& prefix) {
  const auto* redis_a = dynamic_cast<const CeleryOptions*>(&running);
  const auto* redis_b = dynamic_cast<const CeleryOptions*>(&next);
  if (redis_a != nullptr && redis_b != nullptr) return FirstRedisChange(*redis_a, *redis_b, prefix);
  const auto* amqp_a = dynamic_cast<const CeleryAmqpOptions*>(&running);
  const auto* amqp_b = dynamic_cast<const CeleryAmqpOptions*>(&next);
  if (amqp_a != nullptr && amqp_b != nullptr) return FirstAmqpChange(*amqp_a, *amqp_b, prefix);
  return prefix + "." + std::string(keys::kBroker);  // the transport changed
}

}  // namespace queuemon::config
