#include "daemon/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace queuemon::daemon {
namespace {

boost::system::error_code LastError() {
  return {errno, boost::system::system_category()};
}

// Closes the descriptor on every path out of Send.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

std::optional<long long> EnvNumber(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return std::nullopt;
  long long value = 0;
  const char* end = text + std::strlen(text);
  const auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

SystemdNotifier::SystemdNotifier(std::string socket_path) : socket_path_(std::move(socket_path)) {}

SystemdNotifier SystemdNotifier::FromEnvironment() {
  const char* path = std::getenv("NOTIFY_SOCKET");
  return SystemdNotifier(path == nullptr ? "" : path);
}

boost::system::error_code SystemdNotifier::Send(std::string_view state) const {
  if (!enabled()) return {};
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof(address.sun_path) || socket_path_.size() < 2) {
    return boost::system::errc::make_error_code(boost::system::errc::filename_too_long);
  }
  std::memcpy(address.sun_path, socket_path_.data(), socket_path_.size());
  socklen_t length = offsetof(sockaddr_un, sun_path) + socket_path_.size();
  if (socket_path_[0] == '@') {
    address.sun_path[0] = '\0';  // abstract namespace: no trailing NUL counted
  } else {
    length += 1;
  }
  FdCloser fd{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  if (fd.fd < 0) return LastError();
  const ssize_t sent = ::sendto(fd.fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address), length);
  if (sent < 0) return LastError();
  if (static_cast<std::size_t>(sent) != state.size()) {
    return boost::system::errc::make_error_code(boost::system::errc::message_size);
  }
  return {};
}

boost::system::error_code SystemdNotifier::Ready(std::string_view status) const {
  return Send("READY=1\nSTATUS=" + std::string(status));
}

boost::system::error_code SystemdNotifier::Stopping(std::string_view status) const {
  return Send("STOPPING=1\nSTATUS=" + std::string(status));
}

boost::system::error_code SystemdNotifier::Status(std::string_view status) const {
  return Send("STATUS=" + std::string(status));
}

boost::system::error_code SystemdNotifier::Reloading() const {
  return Send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(MonotonicNow().count()));
}

std::optional<std::chrono::microseconds> WatchdogPeriodFromEnvironment() {
  const auto usec = EnvNumber("WATCHDOG_USEC");
  if (!usec || *usec <= 0) return std::nullopt;
  if (const auto pid = EnvNumber("WATCHDOG_PID"); pid && *pid != ::getpid()) return std::nullopt;
  return std::chrono::microseconds(*usec);
}

std::chrono::microseconds MonotonicNow() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::chrono::microseconds(static_cast<long long>(ts.tv_sec) * 1'000'000 +
                                   ts.tv_nsec / 1'000);
}

}  // namespace queuemon::daemon
