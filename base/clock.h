#pragma once
// Clock: the monotonic time source of the caches and deadlines. Injected so that TTL logic is tested by advancing a
// ManualClock instead of waiting. Both implementations are thread-safe.

#include <atomic>
#include <chrono>

namespace queuemon::base {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// Wall-clock time as Unix seconds: timestamps reported to people and to other processes
// (collection times, absolute deadlines). Not for measuring intervals; use a Clock.
inline double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The production clock: std::chrono::steady_clock.
class SteadyClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
};

// A clock that only moves when told to. Starts at an arbitrary fixed point, not at zero, so
// that code which treats time_since_epoch()==0 as "never" is caught.
class ManualClock final : public Clock {
 public:
  ManualClock() = default;
  TimePoint Now() const override { return TimePoint(Duration(now_ns_.load(std::memory_order_acquire))); }
  void Advance(Duration d) { now_ns_.fetch_add(d.count(), std::memory_order_acq_rel); }

 private:
  std::atomic<Duration::rep> now_ns_{std::chrono::nanoseconds(std::chrono::hours(1000)).count()};
};

}  // namespace queuemon::base
