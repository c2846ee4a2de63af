#include "daemon/watchdog.h"

namespace queuemon::daemon {

Watchdog::Watchdog(boost::asio::any_io_executor executor, SystemdNotifier notifier,
                   std::chrono::microseconds watchdog_period, std::function<bool()> healthy)
    : task_(std::move(executor), watchdog_period / 2,
            [counters = counters_, notifier = std::move(notifier), healthy = std::move(healthy)] {
              if (healthy && !healthy()) {
                counters->withheld.fetch_add(1);
                return;
              }
              if (!notifier.Watchdog()) counters->pings.fetch_add(1);
            }) {}

}  // namespace queuemon::daemon
