#pragma once
// RedisMonitor: `redis-cli -p PORT MONITOR` as a child process, for tests that count what a
// client (queuemond) sends to the broker. MONITOR is used rather than (P)SUBSCRIBE because a
// subscriber to the pidbox channel would itself count as a receiver of every broadcast.
//
//   RedisMonitor monitor(redis.port());   // returns once MONITOR is active
//   ... make requests ...
//   std::vector<std::string> lines = monitor.Fence();  // every command logged so far
//
// The constructor throws std::runtime_error if MONITOR is not active within a deadline. The
// destructor kills redis-cli. The binary is $QUEUEMON_REDIS_CLI or redis-cli from PATH.
// Not thread-safe; one test thread owns it.

#include <cstdint>
#include <string>
#include <vector>

#include "tests/testing/subprocess_runner.h"

namespace queuemon::testing {

class RedisMonitor final {
 public:
  explicit RedisMonitor(std::uint16_t port);
  ~RedisMonitor();
  RedisMonitor(const RedisMonitor&) = delete;
  RedisMonitor& operator=(const RedisMonitor&) = delete;

  // Sends a unique marker command from another connection and waits until MONITOR has logged
  // it. Redis logs commands in execution order, so every command executed before the marker is
  // in the returned lines (one per command, marker excluded). Throws at the deadline.
  std::vector<std::string> Fence();

 private:
  std::string Output() const;

  std::uint16_t port_;
  std::string cli_;
  std::string dir_;
  int fences_ = 0;
  ChildProcess process_;
};

}  // namespace queuemon::testing
