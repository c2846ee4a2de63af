#pragma once
// The broker connection keys every kind shares: "broker" (URL) and its timeouts
// (connect_timeout_ms, command_timeout_ms, reconnect_backoff_max_ms), and their reload check.

#include <optional>
#include <string>

#include "config/object_reader.h"
#include "amqp/options.h"
#include "redis/options.h"

namespace queuemon::config {

// Reads the keys over `redis`' defaults. Throws ConfigError naming the key.
void ReadBrokerConnection(ObjectReader& r, redis::RedisOptions& redis);
// The same keys for an AMQP broker (amqp:// or amqps:// URL).
void ReadBrokerConnection(ObjectReader& r, amqp::AmqpOptions& amqp);

// The first of those keys that differs, as "<prefix>.<key>", or nullopt.
std::optional<std::string> FirstBrokerChange(const redis::RedisOptions& running,
                                             const redis::RedisOptions& next,
                                             const std::string& prefix);
std::optional<std::string> FirstBrokerChange(const amqp::AmqpOptions& running,
                                             const amqp::AmqpOptions& next,
                                             const std::string& prefix);

}  // namespace queuemon::config
