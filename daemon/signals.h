#pragma once
// SignalHandler: turns process signals into daemon actions on the event loop, via
// asio::signal_set (no async-signal-unsafe work in a real signal handler):
//   SIGTERM, SIGINT -> on_stop   (graceful stop; a repeat calls on_stop again)
//   SIGHUP          -> on_reload (re-read the config)
// The callbacks run as ordinary handlers on the io_context, one at a time.
//
// Ownership: owns the signal_set. Thread-safety: construct, Start and Cancel from one thread;
// destroy after the io_context stopped running or after Cancel.

#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

namespace queuemon::daemon {

class SignalHandler final {
 public:
  SignalHandler(boost::asio::any_io_executor executor, std::function<void()> on_stop,
                std::function<void()> on_reload);
  ~SignalHandler();
  SignalHandler(const SignalHandler&) = delete;
  SignalHandler& operator=(const SignalHandler&) = delete;

  void Start();
  // Stops listening; the signals' default dispositions are restored.
  void Cancel();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace queuemon::daemon
