#include "base/backoff.h"

#include <algorithm>
#include <memory>
#include <random>

namespace queuemon::base {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                 JitterSource jitter)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      base_(initial_),
      jitter_(std::move(jitter)) {}

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                 std::uint64_t seed)
    : Backoff(initial, max, [rng = std::make_shared<std::mt19937_64>(seed)] {
        return std::uniform_real_distribution<double>(0.0, 1.0)(*rng);
      }) {}

std::chrono::milliseconds Backoff::Next() {
  // Clamp the source so a misbehaving one cannot produce negative or huge waits.
  const double j = std::clamp(jitter_(), 0.0, 1.0);
  const auto wait = std::chrono::milliseconds(
      static_cast<std::chrono::milliseconds::rep>(static_cast<double>(base_.count()) * (0.5 + j)));
  ++failures_;
  base_ = std::min(base_ * 2, max_);
  return std::clamp(wait, std::chrono::milliseconds(1), max_);
}

void Backoff::Reset() {
  base_ = initial_;
  failures_ = 0;
}

std::uint64_t RandomBackoffSeed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace queuemon::base
