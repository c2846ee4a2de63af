#include "tests/testing/notify_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace queuemon::testing {

NotifySocket::NotifySocket() {
  std::string templ = (std::filesystem::temp_directory_path() / "queuemon-notify-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  directory_ = templ;
  path_ = directory_ + "/notify.sock";
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (fd_ < 0 || path_.size() >= sizeof(address.sun_path)) {
    throw std::runtime_error("cannot create notify socket");
  }
  std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    throw std::runtime_error("cannot bind notify socket: " + std::string(std::strerror(errno)));
  }
}

NotifySocket::~NotifySocket() {
  if (fd_ >= 0) ::close(fd_);
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

std::optional<std::string> NotifySocket::Receive(std::chrono::milliseconds timeout) {
  pollfd pfd{fd_, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  if (ready <= 0) return std::nullopt;
  char buffer[4096];
  const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
  if (n < 0) return std::nullopt;
  std::string message(buffer, static_cast<std::size_t>(n));
  history_.push_back(message);
  return message;
}

std::optional<std::string> NotifySocket::WaitFor(std::string_view fragment,
                                                 std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto message = Receive(left);
    if (!message) return std::nullopt;
    if (message->find(fragment) != std::string::npos) return message;
  }
}

void NotifySocket::Drain() {
  while (Receive(std::chrono::milliseconds(0))) {
  }
}

}  // namespace queuemon::testing
