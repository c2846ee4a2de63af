#include "config/broker_reader.h"

#include <utility>

#include "config/checks.h"
#include "config/keys.h"

namespace queuemon::config {

constexpr std::int64_t kMaxTimeoutMs = 600'000;

void ReadBrokerConnection(ObjectReader& r, redis::RedisOptions& redis) {
  r.ReadString(keys::kBroker, redis.url);
  CheckRedisUrl(redis.url, r.PathOf(keys::kBroker));
  r.ReadMillis(keys::kConnectTimeoutMs, redis.connect_timeout, 1, kMaxTimeoutMs);
  r.ReadMillis(keys::kCommandTimeoutMs, redis.command_timeout, 1, kMaxTimeoutMs);
  // At least backoff_initial (Backoff requires initial <= max).
  r.ReadMillis(keys::kReconnectBackoffMaxMs, redis.backoff_max, redis.backoff_initial.count(),
               kMaxTimeoutMs);
}

std::optional<std::string> FirstBrokerChange(const redis::RedisOptions& a,
                                             const redis::RedisOptions& b,
                                             const std::string& prefix) {
  const std::pair<bool, std::string_view> fields[] = {
      {a.url != b.url, keys::kBroker},
      {a.connect_timeout != b.connect_timeout, keys::kConnectTimeoutMs},
      {a.command_timeout != b.command_timeout, keys::kCommandTimeoutMs},
      {a.backoff_max != b.backoff_max, keys::kReconnectBackoffMaxMs},
  };
  for (const auto& [changed, key] : fields) {
    if (changed) return prefix + "." + std::string(key);
  }
  return std::nullopt;
}

}  // namespace queuemon::config
