#pragma once
// BlackholeListener: a loopback TCP socket that listens but never accepts or answers, so
// connects succeed (into the kernel's backlog) and requests go unanswered: a "blackholed" broker
// for timeout tests. Owns the socket; closed by the destructor. Thread-safety: none needed
// (immutable after construction).

#include <cstdint>
#include <string>

namespace queuemon::testing {

class BlackholeListener final {
 public:
  BlackholeListener();  // throws std::runtime_error if no socket can be bound
  ~BlackholeListener();
  BlackholeListener(const BlackholeListener&) = delete;
  BlackholeListener& operator=(const BlackholeListener&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const;  // "redis://127.0.0.1:PORT/0"

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace queuemon::testing
