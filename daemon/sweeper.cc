#include "daemon/sweeper.h"

namespace queuemon::daemon {

Sweeper::Sweeper(boost::asio::any_io_executor executor, config::SweepOptions options,
                 std::vector<Target> targets)
    : state_(std::make_shared<State>()),
      task_(std::move(executor), options.interval, [state = state_] {
        const std::size_t batch = state->batch.load();
        std::size_t removed = 0;
        for (const auto& target : state->targets) removed += target(batch);
        state->removed.fetch_add(removed);
        state->sweeps.fetch_add(1);
        state->last_tick.store(std::chrono::steady_clock::now().time_since_epoch().count());
      }) {
  state_->targets = std::move(targets);
  state_->batch.store(options.batch);
  state_->last_tick.store(std::chrono::steady_clock::now().time_since_epoch().count());
}

void Sweeper::SetOptions(const config::SweepOptions& options) {
  state_->batch.store(options.batch);
  task_.SetPeriod(options.interval);
}

std::chrono::steady_clock::time_point Sweeper::last_tick() const {
  return std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(state_->last_tick.load()));
}

}  // namespace queuemon::daemon
