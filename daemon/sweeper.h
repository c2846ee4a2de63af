#pragma once
// Sweeper: every sweep.interval, asks each target (a category cache's SweepExpired) to drop at
// most sweep.batch entries that are past ttl + stale_for, so expired entries of keys nobody
// reads again (old task ids) do not sit in memory until evicted. Bounded work per tick keeps
// the loop responsive; Get() also drops expired entries lazily.
//
// It also records when it last ticked, which the watchdog uses as a liveness signal.
// Ownership: owns the targets (callables); whatever they reference must outlive the loop.
// Thread-safety: as PeriodicTask; counters are atomics readable from any thread.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "config/config.h"
#include "daemon/periodic_task.h"

namespace queuemon::daemon {

class Sweeper final {
 public:
  // Returns how many entries it removed, at most `max_batch`.
  using Target = std::function<std::size_t(std::size_t max_batch)>;

  Sweeper(boost::asio::any_io_executor executor, config::SweepOptions options, std::vector<Target> targets);

  void Start() { task_.Start(/*tick_now=*/false); }
  void Stop() { task_.Stop(); }
  // Reload: the new interval applies from the next tick, the new batch at once.
  void SetOptions(const config::SweepOptions& options);

  std::uint64_t sweeps() const { return state_->sweeps.load(); }
  std::uint64_t removed() const { return state_->removed.load(); }
  // steady_clock time of the last tick; construction time before the first.
  std::chrono::steady_clock::time_point last_tick() const;

 private:
  struct State {
    std::vector<Target> targets;
    std::atomic<std::size_t> batch{0};
    std::atomic<std::uint64_t> sweeps{0};
    std::atomic<std::uint64_t> removed{0};
    std::atomic<std::chrono::steady_clock::rep> last_tick{0};
  };
  std::shared_ptr<State> state_;
  PeriodicTask task_;
};

}  // namespace queuemon::daemon
