#include "base/shared_mutex.h"

#include <atomic>

namespace queuemon::base {

std::size_t SharedMutex::ThreadStripe() {
  // Round-robin, so the threads of a small io_context pool each get a stripe of their own.
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t stripe = next.fetch_add(1, std::memory_order_relaxed) % kStripes;
  return stripe;
}

}  // namespace queuemon::base
