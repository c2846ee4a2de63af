#pragma once
// Backoff: capped exponential backoff with jitter for reconnect attempts. The n-th consecutive
// failure waits base_n * (0.5 + j), j in [0, 1) from the jitter source, where base_1 = initial
// and base doubles per failure up to `max`; the wait itself never exceeds `max`. Reset() after a
// success starts over.
//
// Not thread-safe: each owner (one connection, on its strand) has its own.

#include <chrono>
#include <cstdint>
#include <functional>

namespace queuemon::base {

class Backoff final {
 public:
  // Returns a value in [0, 1). Tests inject a seeded or constant source.
  using JitterSource = std::function<double()>;

  // REQUIRES: 0 < initial <= max.
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, JitterSource jitter);
  // Jitter from a std::mt19937_64 seeded with `seed`.
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed);

  // The wait before the next attempt; counts one more consecutive failure.
  std::chrono::milliseconds Next();
  // The un-jittered wait the next call to Next() is centred on.
  std::chrono::milliseconds base() const { return base_; }
  int failures() const { return failures_; }
  void Reset();

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds base_;
  int failures_ = 0;
  JitterSource jitter_;
};

// A seed for production Backoffs (std::random_device); tests pass fixed seeds instead.
std::uint64_t RandomBackoffSeed();

}  // namespace queuemon::base
