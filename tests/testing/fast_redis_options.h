#pragma once
// FastRedisOptions: RedisOptions for tests against a local redis-server: generous deadlines for a
// loaded CI machine (2 s connect, 5 s per command) and a short reconnect backoff (10..50 ms), so
// that a test waiting for a reconnect waits for the server, not for the backoff.

#include <chrono>
#include <string>
#include <utility>

#include "redis/options.h"

namespace queuemon::testing {

inline redis::RedisOptions FastRedisOptions(std::string url) {
  using namespace std::chrono_literals;
  redis::RedisOptions options;
  options.url = std::move(url);
  options.connect_timeout = 2s;
  options.command_timeout = 5s;
  options.backoff_initial = 10ms;
  options.backoff_max = 50ms;
  return options;
}

}  // namespace queuemon::testing
