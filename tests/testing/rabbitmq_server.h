#pragma once
// RabbitMqServer: a private rabbitmq-server from Debian for the tests: its own node name, data
// and log directories under a temp dir, its own epmd, AMQP, management and distribution ports,
// all on free loopback ports (127.0.0.1 only), the management plugin on. Start-up takes a few
// seconds (an Erlang VM), so suites start one and share it. The destructor stops the node and
// its epmd and removes the directory.
// Not thread-safe; use from the test thread.

#include <chrono>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/testing/subprocess_runner.h"

namespace queuemon::testing {

class RabbitMqServer final {
 public:
  // Starts and waits until the management API answers (throws with the log on failure).
  RabbitMqServer();
  ~RabbitMqServer();
  RabbitMqServer(const RabbitMqServer&) = delete;
  RabbitMqServer& operator=(const RabbitMqServer&) = delete;

  void Stop();     // SIGTERM (RabbitMQ closes its connections) and wait; SIGKILL after a grace
  void Start();    // again, on the same ports and data directory
  void Pause();    // SIGSTOP: connects still complete in the kernel, nothing answers
  void Resume();   // SIGCONT
  bool running() const { return node_.pid() > 0; }

  std::uint16_t amqp_port() const { return amqp_port_; }
  std::uint16_t management_port() const { return management_port_; }
  std::string amqp_url() const;        // "amqp://guest:guest@127.0.0.1:PORT//"
  std::string management_url() const;  // "http://guest:guest@127.0.0.1:PORT/api"
  // GET /api<path> as guest; the parsed JSON, or null when it does not answer 200 in time.
  nlohmann::json Management(const std::string& path) const;
  // Names of the vhost "/"'s queues (from the management API).
  std::vector<std::string> QueueNames() const;
  std::string log() const;

 private:
  void WaitUntilReady(std::chrono::milliseconds deadline);
  std::vector<std::string> Env() const;

  std::string dir_;
  std::uint16_t amqp_port_ = 0, management_port_ = 0, dist_port_ = 0, epmd_port_ = 0;
  ChildProcess epmd_;
  ChildProcess node_;
};

}  // namespace queuemon::testing
