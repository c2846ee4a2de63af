#include "daemon/signals.h"

#include <atomic>
#include <csignal>

#include <boost/asio/signal_set.hpp>

namespace queuemon::daemon {

struct SignalHandler::State : std::enable_shared_from_this<State> {
  State(boost::asio::any_io_executor executor, std::function<void()> stop,
        std::function<void()> reload)
      : signals(executor, SIGTERM, SIGINT, SIGHUP),
        on_stop(std::move(stop)),
        on_reload(std::move(reload)) {}

  void Wait() {
    // A callback may have cancelled us (Stop does): do not re-arm, or the io_context would
    // never run out of work.
    if (cancelled.load()) return;
    signals.async_wait([self = shared_from_this()](const boost::system::error_code& ec, int sig) {
      if (ec) return;  // cancelled
      try {
        (sig == SIGHUP ? self->on_reload : self->on_stop)();
      } catch (...) {
        // The callbacks log their own failures; nothing may escape an Asio handler.
      }
      self->Wait();
    });
  }

  boost::asio::signal_set signals;
  std::function<void()> on_stop;
  std::function<void()> on_reload;
  std::atomic<bool> cancelled{false};
};

SignalHandler::SignalHandler(boost::asio::any_io_executor executor, std::function<void()> on_stop,
                             std::function<void()> on_reload)
    : state_(std::make_shared<State>(std::move(executor), std::move(on_stop),
                                     std::move(on_reload))) {}

SignalHandler::~SignalHandler() { Cancel(); }

void SignalHandler::Start() { state_->Wait(); }

void SignalHandler::Cancel() {
  state_->cancelled.store(true);
  boost::system::error_code ignored;
  state_->signals.cancel(ignored);
  state_->signals.clear(ignored);
}

}  // namespace queuemon::daemon
