#include "tests/testing/blackhole_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace queuemon::testing {

BlackholeListener::BlackholeListener() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("BlackholeListener: socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  // A generous backlog: every connect of a test completes its handshake in the kernel.
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd_, 128) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd_);
    throw std::runtime_error("BlackholeListener: bind/listen failed");
  }
  port_ = ntohs(addr.sin_port);
}

BlackholeListener::~BlackholeListener() { ::close(fd_); }

std::string BlackholeListener::url() const {
  return "redis://127.0.0.1:" + std::to_string(port_) + "/0";
}

}  // namespace queuemon::testing
