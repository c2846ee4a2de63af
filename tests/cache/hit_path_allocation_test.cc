// The hit path does not allocate: this binary replaces global operator new with a counting one
// and checks that Get of a fresh entry through a string_view performs no allocation.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "cache/coarse_clock.h"
#include "cache/ttl_lru_cache.h"

namespace {
thread_local bool counting = false;
thread_local std::size_t allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (counting) ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace queuemon::cache {
namespace {

TEST(HitPathTest, GetOfFreshEntryDoesNotAllocate) {
  ManualClock clock;
  TtlLruCache cache("alloc", CacheOptions{}, clock);
  // Long enough that a std::string copy of the key would have to allocate.
  const std::string key = "task_status:0123456789abcdef0123456789abcdef";
  cache.Put(key, Entry::Make("{\"ok\":true}", clock.Now()));
  const std::string_view view = key;

  counting = true;
  allocations = 0;
  Lookup l = cache.Get(view);
  const std::size_t during_get = allocations;
  counting = false;

  ASSERT_EQ(l.freshness, Freshness::kFresh);
  EXPECT_EQ(during_get, 0u);
  // The counter works: a key copy is an allocation.
  counting = true;
  std::string copy(view);
  counting = false;
  EXPECT_EQ(allocations, 1u);
}

TEST(HitPathTest, CoarseClockAgreesWithSteadyClockWithinATick) {
  // Same epoch: the coarse reading lies between a precise reading taken before it (minus the
  // coarse clock's lag of one kernel tick, 1-4 ms; 100 ms is generous) and one taken after it.
  const TimePoint before = SteadyClock().Now();
  const TimePoint coarse = CoarseSteadyClock().Now();
  const TimePoint after = SteadyClock().Now();
  EXPECT_LE(coarse, after);
  EXPECT_GE(coarse, before - std::chrono::milliseconds(100));
}

}  // namespace
}  // namespace queuemon::cache
