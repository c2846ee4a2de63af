#include "config/broker_reader.h"

#include <utility>

#include "config/checks.h"
#include "config/keys.h"

namespace queuemon::config {

namespace {

constexpr std::int64_t kMaxTimeoutMs = 600'000;

template <class Options>
void ReadTimeouts(ObjectReader& r, Options& options) {
  r.ReadMillis(keys::kConnectTimeoutMs, options.connect_timeout, 1, kMaxTimeoutMs);
  r.ReadMillis(keys::kCommandTimeoutMs, options.command_timeout, 1, kMaxTimeoutMs);
  // At least backoff_initial (Backoff requires initial <= max).
  r.ReadMillis(keys::kReconnectBackoffMaxMs, options.backoff_max, options.backoff_initial.count(),
               kMaxTimeoutMs);
}

template <class Options>
std::optional<std::string> FirstChange(const Options& a, const Options& b,
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

}  // namespace

void ReadBrokerConnection(ObjectReader& r, redis::RedisOptions& redis) {
  r.ReadString(keys::kBroker, redis.url);
  CheckRedisUrl(redis.url, r.PathOf(keys::kBroker));
  ReadTimeouts(r, redis);
}

void ReadBrokerConnection(ObjectReader& r, amqp::AmqpOptions& amqp) {
  r.ReadString(keys::kBroker, amqp.url);
  CheckAmqpUrl(amqp.url, r.PathOf(keys::kBroker));
  ReadTimeouts(r, amqp);
}

std::optional<std::string> FirstBrokerChange(const redis::RedisOptions& a,
                                             const redis::RedisOptions& b,
                                             const std::string& prefix) {
  return FirstChange(a, b, prefix);
}

std::optional<std::string> FirstBrokerChange(const amqp::AmqpOptions& a,
                                             const amqp::AmqpOptions& b,
                                             const std::string& prefix) {
  return FirstChange(a, b, prefix);
}

}  // namespace queuemon::config
