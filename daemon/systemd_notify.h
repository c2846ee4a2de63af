#pragma once
// SystemdNotifier: the sd_notify datagram protocol (the one hand-rolled protocol house style
// allows): newline-separated "KEY=value" states sent to the AF_UNIX SOCK_DGRAM socket named by
// $NOTIFY_SOCKET ('@' prefix = abstract namespace). With no socket configured every call is a
// successful no-op, so the daemon runs the same with or without systemd.
//
// Thread-safety: const methods only; each Send opens, sends on and closes its own socket
// (as libsystemd's sd_notify does), so any thread may call it. A send never blocks: a full
// receive queue is reported as an error instead of stalling the event loop.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

namespace queuemon::daemon {

class SystemdNotifier final {
 public:
  // Disabled when `socket_path` is empty.
  explicit SystemdNotifier(std::string socket_path);
  // Uses $NOTIFY_SOCKET.
  static SystemdNotifier FromEnvironment();

  bool enabled() const { return !socket_path_.empty(); }
  const std::string& socket_path() const { return socket_path_; }

  // Sends `state` verbatim as one datagram.
  boost::system::error_code Send(std::string_view state) const;

  boost::system::error_code Ready() const { return Send("READY=1"); }
  // READY=1 and STATUS=<status> in one datagram.
  boost::system::error_code Ready(std::string_view status) const;
  boost::system::error_code Status(std::string_view status) const;
  boost::system::error_code Watchdog() const { return Send("WATCHDOG=1"); }
  // RELOADING=1 with MONOTONIC_USEC=<CLOCK_MONOTONIC now>, as systemd's Type=notify-reload wants.
  boost::system::error_code Reloading() const;
  // STOPPING=1 and STATUS=<status> in one datagram.
  boost::system::error_code Stopping(std::string_view status) const;

 private:
  std::string socket_path_;
};

// The watchdog period systemd asked for: $WATCHDOG_USEC, if set, positive, and $WATCHDOG_PID is
// unset or equals getpid() (so a child that inherited the variables does not ping).
std::optional<std::chrono::microseconds> WatchdogPeriodFromEnvironment();

// CLOCK_MONOTONIC now, in microseconds (the clock systemd compares MONOTONIC_USEC against).
std::chrono::microseconds MonotonicNow();

}  // namespace queuemon::daemon
