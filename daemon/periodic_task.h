#pragma once
// PeriodicTask: runs a callback every `period` on a strand of an io_context, driven by an
// asio::steady_timer. The sweeper and the systemd watchdog are built on it; because the ticks
// are ordinary handlers on the event loop, a wedged loop stops them — which is the point for
// the watchdog.
//
// Ownership: the timer and the callback live in shared state held by the pending handler, so
// destroying the task while a tick is queued is safe (the queued tick sees it was stopped).
// Whatever the callback captures must outlive the io_context's last run, or Stop() must be
// called and the loop drained first.
// Thread-safety: Start/Stop/SetPeriod may be called from any thread. Ticks never overlap.

#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

namespace queuemon::daemon {

class PeriodicTask final {
 public:
  PeriodicTask(boost::asio::any_io_executor executor, std::chrono::nanoseconds period,
               std::function<void()> tick);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Starts ticking: the first tick runs at once if `tick_now`, else after one period.
  void Start(bool tick_now);
  // No tick starts after the pending one is cancelled; a tick already running finishes.
  void Stop();
  // Takes effect from the next arming of the timer.
  void SetPeriod(std::chrono::nanoseconds period);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace queuemon::daemon
