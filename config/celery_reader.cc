#include "config/celery_reader.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/checks.h"
#include "config/keys.h"
#include "config/object_reader.h"

namespace queuemon::config {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxTimeoutMs = 600'000;

// The name is the {source} segment of /api/v1/{source}/...: keep it to unreserved characters.
bool ValidSourceName(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
         });
}

void ReadConnection(ObjectReader& r, sources::celery::over_redis::CeleryOptions& source) {
  r.ReadString(keys::kBroker, source.broker.url);
  CheckRedisUrl(source.broker.url, r.PathOf(keys::kBroker));
  r.ReadString(keys::kResultBackend, source.result_backend.url);
  if (!source.result_backend.url.empty()) {
    CheckRedisUrl(source.result_backend.url, r.PathOf(keys::kResultBackend));
  }
  r.ReadMillis(keys::kConnectTimeoutMs, source.broker.connect_timeout, 1, kMaxTimeoutMs);
  r.ReadMillis(keys::kCommandTimeoutMs, source.broker.command_timeout, 1, kMaxTimeoutMs);
  // At least backoff_initial (Backoff requires initial <= max).
  r.ReadMillis(keys::kReconnectBackoffMaxMs, source.broker.backoff_max,
               source.broker.backoff_initial.count(), kMaxTimeoutMs);
  // One set of timeouts for both connections: they are the same kind of server.
  source.result_backend.connect_timeout = source.broker.connect_timeout;
  source.result_backend.command_timeout = source.broker.command_timeout;
  source.result_backend.backoff_max = source.broker.backoff_max;
}

void ReadKeyNaming(ObjectReader& r, sources::celery::over_redis::CeleryOptions& source) {
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

sources::celery::over_redis::CeleryOptions ReadSource(const json& object, const std::string& path) {
  sources::celery::over_redis::CeleryOptions source;
  ObjectReader r(object, path);
  r.ReadString(keys::kName, source.name);
  if (!ValidSourceName(source.name)) {
    FailAt(r.PathOf(keys::kName), "must be 1..64 characters of [A-Za-z0-9_.-]", json(source.name));
  }
  ReadConnection(r, source);
  ReadKeyNaming(r, source);
  r.ReadMillis(keys::kInspectTimeoutMs, source.inspect_timeout, 1, kMaxTimeoutMs);
  r.ReadSeconds(keys::kPurgeOfflineAfterSeconds, source.purge_offline_after, false, 30 * 86'400);
  r.ReadSize(keys::kMaxReplyBytes, source.max_reply_bytes, 1024, std::size_t{1} << 30);
  r.ReadSeconds(keys::kQueueDiscoveryIntervalSeconds, source.queue_discovery_interval, false,
                86'400);
  r.ReadSeconds(keys::kIdleQueueGraceSeconds, source.idle_queue_grace, true, 30 * 86'400);
  r.RejectUnknown();
  return source;
}

}  // namespace

std::vector<sources::celery::over_redis::CeleryOptions> ReadSources(const json& array, const std::string& path) {
  if (!array.is_array()) FailAt(path, "must be an array of source objects", array);
  if (array.empty()) FailAt(path, "must name at least one source");
  std::vector<sources::celery::over_redis::CeleryOptions> sources;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    sources::celery::over_redis::CeleryOptions source = ReadSource(array[i], item_path);
    for (const auto& earlier : sources) {
      if (earlier.name == source.name) {
        FailAt(item_path + "." + std::string(keys::kName), "duplicate source name", json(source.name));
      }
    }
    sources.push_back(std::move(source));
  }
  return sources;
}

}  // namespace queuemon::config
