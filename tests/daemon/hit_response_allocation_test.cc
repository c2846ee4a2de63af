// Building and serialising the response to a HIT does not allocate: this binary replaces
// global operator new with a counting one and checks ViewResponse (the cache headers on the
// entry's pre-serialised lines) plus AppendResponseHead into a string that already has room.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>

#include "cache/entry.h"
#include "daemon/http_response_head.h"
#include "daemon/status_handler.h"

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

namespace queuemon::daemon {
namespace {

TEST(HitResponseTest, BuildingAndSerialisingAHitDoesNotAllocate) {
  // First prove the counting operator new is the one in effect (not, say, a sanitizer's), or a
  // zero below would prove nothing. The pointer escapes through a volatile, so the compiler may
  // not elide the new/delete pair.
  counting = true;
  int* volatile probe = new int(7);
  counting = false;
  delete probe;
  ASSERT_EQ(allocations, 1u) << "the counting operator new is not in effect";
  allocations = 0;

  ViewResult hit;
  hit.outcome = CacheOutcome::kHit;
  hit.entry = cache::Entry::Make(R"({"workers":[]})", cache::TimePoint{});
  hit.age = std::chrono::milliseconds(1500);
  hit.ttl = std::chrono::seconds(5);
  std::string head;
  head.reserve(1024);  // the session's per-connection buffer keeps its capacity
  counting = true;
  {
    const Response response = ViewResponse(hit, "", "celery");
    AppendResponseHead(head, response, 11, true);
    const Response not_modified = ViewResponse(hit, hit.entry->etag, "celery");
    head.clear();
    AppendResponseHead(head, not_modified, 11, true);
  }
  counting = false;
  EXPECT_EQ(allocations, 0u);
  EXPECT_NE(head.find("ETag: " + hit.entry->etag), std::string::npos) << head;
}

}  // namespace
}  // namespace queuemon::daemon
