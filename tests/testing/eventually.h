#pragma once
// Eventually: polls a condition until it holds or a deadline passes — the tests' one way to wait
// for something another thread or process does, instead of sleeping a fixed time.

#include <chrono>
#include <thread>

namespace queuemon::testing {

// Returns true as soon as `condition()` is true; false if it is still false when `deadline` has
// passed (it is checked once more at the deadline). `poll` is the pause between checks (raise it
// when a check is expensive, e.g. a real collection or an HTTP request).
//
//   ASSERT_TRUE(Eventually([&] { return Status() == "online"; }, std::chrono::seconds(10)));
template <typename Condition>
bool Eventually(Condition condition,
                std::chrono::steady_clock::duration deadline = std::chrono::seconds(10),
                std::chrono::steady_clock::duration poll = std::chrono::milliseconds(10)) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) return condition();
    std::this_thread::sleep_for(poll);  // poll interval, not a synchronisation
  }
  return true;
}

}  // namespace queuemon::testing
