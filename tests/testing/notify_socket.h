#pragma once
// NotifySocket: a stand-in for systemd's notification socket in tests. Binds an AF_UNIX
// SOCK_DGRAM socket in a fresh temporary directory; put path() into $NOTIFY_SOCKET and read
// what the daemon sent, one datagram per Receive. Removes the socket and directory on
// destruction.
//
// Thread-safety: one thread at a time.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace queuemon::testing {

class NotifySocket final {
 public:
  NotifySocket();
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::string& path() const { return path_; }

  // The next datagram, or nullopt if none arrived within `timeout`.
  std::optional<std::string> Receive(std::chrono::milliseconds timeout);
  // Receives until a datagram contains `fragment` (returned) or `timeout` passes (nullopt).
  // Every datagram received on the way is appended to history().
  std::optional<std::string> WaitFor(std::string_view fragment, std::chrono::milliseconds timeout);
  // Drops datagrams already queued.
  void Drain();

  const std::vector<std::string>& history() const { return history_; }

 private:
  std::string directory_;
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> history_;
};

}  // namespace queuemon::testing
