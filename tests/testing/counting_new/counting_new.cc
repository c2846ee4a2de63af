// Replacement global operator new/delete that count allocations per thread while an
// AllocationCounter is alive (see counting_new.h). malloc-backed, like the default ones.
#include "tests/testing/counting_new/counting_new.h"

#include <cstdlib>
#include <new>

namespace {
thread_local int active_counters = 0;
thread_local std::size_t allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (active_counters > 0) ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace queuemon::testing {

AllocationCounter::AllocationCounter() : start_(allocations) { ++active_counters; }
AllocationCounter::~AllocationCounter() { --active_counters; }
std::size_t AllocationCounter::count() const { return allocations - start_; }

bool AllocationCounter::InEffect() {
  AllocationCounter counter;
  // Through a volatile pointer, so that the compiler may not elide the new/delete pair.
  int* volatile probe = new int(7);
  delete probe;
  return counter.count() == 1;
}

}  // namespace queuemon::testing
