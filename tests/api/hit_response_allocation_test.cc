// Building and serialising the response to a HIT does not allocate: AllocationCounter (this
// binary links the counting operator new) checks ViewResponse (the cache headers on the
// entry's pre-serialised lines) plus http::AppendResponseHead into a string that already has room,
// for the body as stored and for its gzip form.
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
  http::Request request;
  http::Request revalidation;
  revalidation.if_none_match = hit.entry->etag;
  std::string head;
  head.reserve(1024);  // the session's per-connection buffer keeps its capacity
  std::size_t allocations = 0;
  {
    testing::AllocationCounter counter;
    const http::Response response = ViewResponse(hit, request, "celery");
    http::AppendResponseHead(head, response, 11, true);
    const http::Response not_modified = ViewResponse(hit, revalidation, "celery");
    head.clear();
    http::AppendResponseHead(head, not_modified, 11, true);
    allocations = counter.count();
  }
  EXPECT_EQ(allocations, 0u);
  EXPECT_NE(head.find("ETag: " + hit.entry->etag), std::string::npos) << head;
}

// The gzip form was made when the entry was stored: serving it, or its 304, allocates no more
// than the identity form does.
TEST(HitResponseTest, ServingTheGzipFormDoesNotAllocate) {
  ASSERT_TRUE(testing::AllocationCounter::InEffect());
  cache::ReadResult hit;
  hit.outcome = cache::Outcome::kHit;
  cache::EntryContent content;
  content.body = R"({"workers":[)" + std::string(4096, ' ') + "]}";
  hit.entry = cache::Entry::Make(std::move(content), base::TimePoint{}, cache::EntryEncoding{1024});
  ASSERT_TRUE(hit.entry->has_gzip());
  hit.age = std::chrono::milliseconds(1500);
  hit.ttl = std::chrono::seconds(5);
  http::Request request;
  request.accepts_gzip = true;
  http::Request revalidation = request;
  revalidation.if_none_match = hit.entry->gzip_etag;
  std::string head, not_modified_head;
  head.reserve(1024);
  not_modified_head.reserve(1024);
  std::size_t allocations = 0;
  std::size_t body_size = 0;
  int not_modified_status = 0;
  {
    testing::AllocationCounter counter;
    const http::Response response = ViewResponse(hit, request, "celery");
    http::AppendResponseHead(head, response, 11, true);
    body_size = response.Body().size();
    const http::Response not_modified = ViewResponse(hit, revalidation, "celery");
    http::AppendResponseHead(not_modified_head, not_modified, 11, true);
    not_modified_status = not_modified.status;
    allocations = counter.count();
  }
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(body_size, hit.entry->gzip_body.size());
  EXPECT_NE(head.find("Content-Encoding: gzip"), std::string::npos) << head;
  EXPECT_EQ(not_modified_status, 304);
}

}  // namespace
}  // namespace queuemon::api
