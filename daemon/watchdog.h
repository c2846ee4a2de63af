#pragma once
// Watchdog: pings systemd (WATCHDOG=1) at half the period systemd asked for, from a timer on
// the event loop, and only while `healthy()` says the daemon's own machinery is alive. A loop
// that is wedged runs no timer and so sends no ping; systemd then restarts the service.
//
// Ownership: borrows nothing; copies the notifier. Thread-safety: as PeriodicTask.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "daemon/periodic_task.h"
#include "daemon/systemd_notify.h"

namespace queuemon::daemon {

class Watchdog final {
 public:
  // `healthy` runs on the event loop at each tick; it must be quick and must not block.
  Watchdog(boost::asio::any_io_executor executor, SystemdNotifier notifier,
           std::chrono::microseconds watchdog_period, std::function<bool()> healthy);

  // The first ping goes out at once (systemd starts counting at READY=1 or earlier).
  void Start() { task_.Start(/*tick_now=*/true); }
  void Stop() { task_.Stop(); }

  std::uint64_t pings_sent() const { return counters_->pings.load(); }
  std::uint64_t pings_withheld() const { return counters_->withheld.load(); }

 private:
  struct Counters {
    std::atomic<std::uint64_t> pings{0};
    std::atomic<std::uint64_t> withheld{0};
  };
  std::shared_ptr<Counters> counters_ = std::make_shared<Counters>();
  PeriodicTask task_;
};

}  // namespace queuemon::daemon
