// Building and serialising the response to a HIT does not allocate: AllocationCounter (this
// binary links the counting operator new) checks ViewResponse (the cache headers on the
// entry's pre-serialised lines) plus http::AppendResponseHead into a string that already has room.
#include <gtest/gtest.h>

#include <string>

#include "cache/entry.h"
#include "http/response_head.h"
#include "api/view_handler.h"
#include "tests/testing/counting_new/counting_new.h"

namespace queuemon::api {
namespace {

TEST(HitResponseTest, BuildingAndSerialisingAHitDoesNotAllocate) {
  ASSERT_TRUE(testing::AllocationCounter::InEffect()) << "the counting operator new is not in effect";

  cache::ReadResult hit;
  hit.outcome = cache::Outcome::kHit;
  hit.entry = cache::Entry::Make(R"({"workers":[]})", base::TimePoint{});
  hit.age = std::chrono::milliseconds(1500);
  hit.ttl = std::chrono::seconds(5);
  std::string head;
  head.reserve(1024);  // the session's per-connection buffer keeps its capacity
  std::size_t allocations = 0;
  {
    testing::AllocationCounter counter;
    const http::Response response = ViewResponse(hit, "", "celery");
    http::AppendResponseHead(head, response, 11, true);
    const http::Response not_modified = ViewResponse(hit, hit.entry->etag, "celery");
    head.clear();
    http::AppendResponseHead(head, not_modified, 11, true);
    allocations = counter.count();
  }
  EXPECT_EQ(allocations, 0u);
  EXPECT_NE(head.find("ETag: " + hit.entry->etag), std::string::npos) << head;
}

}  // namespace
}  // namespace queuemon::api
