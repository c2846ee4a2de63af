#pragma once
// DelayingProxy: a TCP proxy on 127.0.0.1:0 in front of a real server on 127.0.0.1:`upstream`
// (e.g. a RedisServer), which holds every chunk the server sends back for a delay the test can
// change at runtime: a slow broker (delay > the client's command deadline) or, with kForever, a
// blackholed one (it accepts and reads, and never answers). Requests are passed on at once, so
// the server still executes them. SetDelay(0) makes it a plain proxy again ("recovered").
// A chunk keeps the delay that was set when it was read; connections opened after SetDelay see
// only the new one. When either side closes, the proxy closes the other.
//
//   testing::RedisServer redis;
//   testing::DelayingProxy proxy(redis.port());
//   config.broker_url = proxy.url();
//   proxy.SetDelay(std::chrono::milliseconds(400));   // answers after 2 x a 200 ms deadline
//
// Ownership: owns its sockets and one thread running its io_context; the destructor stops and
// joins it and closes every connection. Thread-safety: SetDelay/delay/port/url/connections may
// be called from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace queuemon::testing {

class DelayingProxy final {
 public:
  // Held until the connection closes: a blackhole.
  static constexpr std::chrono::milliseconds kForever = std::chrono::hours(24);

  // Listens at once; throws std::runtime_error if no loopback port can be bound.
  explicit DelayingProxy(std::uint16_t upstream_port,
                         std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  ~DelayingProxy();
  DelayingProxy(const DelayingProxy&) = delete;
  DelayingProxy& operator=(const DelayingProxy&) = delete;

  void SetDelay(std::chrono::milliseconds delay);
  std::chrono::milliseconds delay() const;
  std::uint16_t port() const { return port_; }
  std::string url(int db = 0) const;  // "redis://127.0.0.1:PORT/DB"
  std::uint64_t connections() const;  // accepted so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
};

}  // namespace queuemon::testing
