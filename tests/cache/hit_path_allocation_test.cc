// The hit path does not allocate: AllocationCounter (this binary links the counting operator
// new) checks that Get of a fresh entry through a string_view performs no allocation.
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "base/coarse_clock.h"
#include "cache/ttl_lru_cache.h"
#include "tests/testing/counting_new/counting_new.h"

namespace queuemon::cache {
namespace {

TEST(HitPathTest, GetOfFreshEntryDoesNotAllocate) {
  base::ManualClock clock;
  TtlLruCache cache("alloc", CacheOptions{}, clock);
  // Long enough that a std::string copy of the key would have to allocate.
  const std::string key = "task_status:0123456789abcdef0123456789abcdef";
  cache.Put(key, Entry::Make("{\"ok\":true}", clock.Now()));
  const std::string_view view = key;

  ASSERT_TRUE(testing::AllocationCounter::InEffect());
  std::size_t during_get = 0;
  Lookup l;
  {
    testing::AllocationCounter counter;
    l = cache.Get(view);
    during_get = counter.count();
  }
  ASSERT_EQ(l.freshness, Freshness::kFresh);
  EXPECT_EQ(during_get, 0u);
}

TEST(HitPathTest, CoarseClockAgreesWithSteadyClockWithinATick) {
  // Same epoch: the coarse reading lies between a precise reading taken before it (minus the
  // coarse clock's lag of one kernel tick, 1-4 ms; 100 ms is generous) and one taken after it.
  const base::TimePoint before = base::SteadyClock().Now();
  const base::TimePoint coarse = base::CoarseSteadyClock().Now();
  const base::TimePoint after = base::SteadyClock().Now();
  EXPECT_LE(coarse, after);
  EXPECT_GE(coarse, before - std::chrono::milliseconds(100));
}

}  // namespace
}  // namespace queuemon::cache
