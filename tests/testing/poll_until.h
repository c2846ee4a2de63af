#pragma once
// PollUntil: waits for a condition by polling it with a deadline — the tests' replacement for
// sleeping as synchronisation. Returns true as soon as `condition()` is true, false if it is
// still false at the deadline (the condition is checked once more at the deadline).
//
//   ASSERT_TRUE(PollUntil([&] { return Status() == "online"; }, std::chrono::seconds(10)));

#include <chrono>
#include <thread>

namespace queuemon::testing {

template <typename Condition>
bool PollUntil(Condition condition, std::chrono::milliseconds deadline,
               std::chrono::milliseconds interval = std::chrono::milliseconds(50)) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= end) return condition();
    std::this_thread::sleep_for(interval);  // the pause between polls, not a synchronisation
  }
  return true;
}

}  // namespace queuemon::testing
