#pragma once
// AllocationCounter: counts the global operator new calls the calling thread makes while the
// counter is alive. Only meaningful in a test binary linked with queuemon::counting_new
// (counting_new.cc), which replaces the global operator new/delete; that is why it is its own
// library, not part of queuemon::testing (every test binary would get the replacement).
//
//   queuemon::testing::AllocationCounter counter;
//   cache.Get(key);
//   EXPECT_EQ(counter.count(), 0u);
//
// Not copyable; counters may nest (each sees the allocations made during its own lifetime).

#include <cstddef>

namespace queuemon::testing {

class AllocationCounter final {
 public:
  AllocationCounter();
  ~AllocationCounter();
  AllocationCounter(const AllocationCounter&) = delete;
  AllocationCounter& operator=(const AllocationCounter&) = delete;

  std::size_t count() const;  // allocations on this thread since construction

  // True if the replacement operator new is the one in effect (it counts a probe allocation),
  // and not e.g. a sanitizer's: a zero count proves nothing otherwise.
  static bool InEffect();

 private:
  std::size_t start_;
};

}  // namespace queuemon::testing
