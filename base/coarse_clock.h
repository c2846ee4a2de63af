#pragma once
// CoarseSteadyClock: steady_clock time read from CLOCK_MONOTONIC_COARSE. It has the same epoch
// as std::chrono::steady_clock (CLOCK_MONOTONIC, in libstdc++), so its time points compare
// with steady_clock ones, but it only advances once per kernel tick (1-4 ms; lags up to one
// tick behind). Reading it costs a few ns instead of the 25-50 ns of a precise vDSO read, which
// is most of a cache hit's budget: the caches' TTLs are seconds, so the daemon gives the caches
// this clock. Recency for eviction then has tick resolution (reads in one tick tie).
//
// Thread-safety: stateless; safe from any thread.

#include <time.h>

#include "base/clock.h"

namespace queuemon::base {

class CoarseSteadyClock final : public Clock {
 public:
  TimePoint Now() const override {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return TimePoint(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
  }
};

}  // namespace queuemon::base
