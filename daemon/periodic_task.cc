#include "daemon/periodic_task.h"

#include <atomic>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace queuemon::daemon {

struct PeriodicTask::State : std::enable_shared_from_this<State> {
  State(boost::asio::any_io_executor executor, std::chrono::nanoseconds p, std::function<void()> t)
      : strand(boost::asio::make_strand(executor)), timer(strand), period(p.count()),
        tick(std::move(t)) {}

  // Runs on the strand.
  void Arm(std::chrono::nanoseconds delay) {
    if (stopped.load()) return;
    timer.expires_after(delay);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped.load()) return;
      self->RunTick();
    });
  }

  // Runs on the strand. The callback is the caller's code: keep a throw from escaping the
  // handler (house style) and keep ticking.
  void RunTick() {
    try {
      tick();
    } catch (...) {
    }
    Arm(std::chrono::nanoseconds(period.load()));
  }

  boost::asio::strand<boost::asio::any_io_executor> strand;
  boost::asio::steady_timer timer;
  std::atomic<std::chrono::nanoseconds::rep> period;
  std::function<void()> tick;
  std::atomic<bool> stopped{false};
};

PeriodicTask::PeriodicTask(boost::asio::any_io_executor executor, std::chrono::nanoseconds period,
                           std::function<void()> tick)
    : state_(std::make_shared<State>(std::move(executor), period, std::move(tick))) {}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Start(bool tick_now) {
  state_->stopped.store(false);
  boost::asio::dispatch(state_->strand, [state = state_, tick_now] {
    if (tick_now) {
      if (!state->stopped.load()) state->RunTick();
    } else {
      state->Arm(std::chrono::nanoseconds(state->period.load()));
    }
  });
}

void PeriodicTask::Stop() {
  state_->stopped.store(true);
  boost::asio::dispatch(state_->strand, [state = state_] { state->timer.cancel(); });
}

void PeriodicTask::SetPeriod(std::chrono::nanoseconds period) {
  state_->period.store(period.count());
}

}  // namespace queuemon::daemon
