// Entry::Make: the gzip representation made once at store time (only from gzip_min_bytes on,
// only when smaller), its own ETag and header lines, and its bytes in the cache's budget.
#include "cache/entry.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "cache/ttl_lru_cache.h"
#include "tests/testing/gunzip.h"
#include "tests/testing/numbered.h"

namespace queuemon::cache {
namespace {

using queuemon::testing::Gunzip;
using queuemon::testing::Numbered;

// A workers-view-like JSON body of exactly `bytes` bytes (REQUIRES: bytes >= 14): repetitive,
// as JSON is; spaces before the closing brackets make up the length.
std::string JsonBody(std::size_t bytes) {
  std::string body = R"({"workers":[)";
  for (int i = 0;; ++i) {
    std::string worker = Numbered(i > 0 ? R"(,{"hostname":"celery@worker-)"
                                        : R"({"hostname":"celery@worker-)", i);
    worker += R"(","status":"online","active":0,"pool":"prefork","queues":["celery"]})";
    if (body.size() + worker.size() + 2 > bytes) break;
    body += worker;
  }
  body.append(bytes - 2 - body.size(), ' ');
  return body + "]}";
}

// Bytes gzip cannot shrink (a fixed-seed LCG's high bytes).
std::string NoiseBody(std::size_t bytes) {
  std::string body(bytes, '\0');
  std::uint64_t x = 42;
  for (char& c : body) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    c = static_cast<char>(x >> 56);
  }
  return body;
}

std::shared_ptr<const Entry> MakeWith(std::string body, std::size_t gzip_min_bytes,
                                      std::string identity = "") {
  EntryContent content;
  content.body = std::move(body);
  content.identity = std::move(identity);
  return Entry::Make(std::move(content), base::TimePoint{}, EntryEncoding{gzip_min_bytes});
}

TEST(EntryGzipTest, ABodyFromTheThresholdOnIsStoredCompressedAndInflatesToItExactly) {
  const std::string body = JsonBody(1024);
  ASSERT_EQ(body.size(), 1024u);
  const auto entry = MakeWith(body, 1024);
  ASSERT_TRUE(entry->has_gzip());
  EXPECT_LT(entry->gzip_body.size(), body.size() / 3) << "JSON compresses well";
  const auto inflated = Gunzip(entry->gzip_body);
  ASSERT_TRUE(inflated.has_value()) << "not one valid gzip member";
  EXPECT_EQ(*inflated, entry->body);
  EXPECT_EQ(entry->body, body);
}

TEST(EntryGzipTest, NoGzipBelowTheThresholdOrWhenItIsZero) {
  const auto below = MakeWith(JsonBody(1023), 1024);
  EXPECT_FALSE(below->has_gzip());
  EXPECT_TRUE(below->gzip_etag.empty());
  EXPECT_TRUE(below->gzip_header_lines.empty());
  const auto off = MakeWith(JsonBody(100'000), 0);
  EXPECT_FALSE(off->has_gzip());
  EXPECT_FALSE(Entry::Make(JsonBody(100'000), base::TimePoint{})->has_gzip())
      << "Make without an encoding stores no gzip";
}

TEST(EntryGzipTest, NoGzipWhenItWouldNotBeSmaller) {
  EXPECT_FALSE(MakeWith(NoiseBody(4096), 1)->has_gzip());
  EXPECT_FALSE(MakeWith("{}", 1)->has_gzip()) << "gzip's frame alone is longer than 2 bytes";
}

TEST(EntryGzipTest, TheGzipEtagIsTheEtagSuffixedInsideTheQuotesAndWeakStaysWeak) {
  const auto strong = MakeWith(JsonBody(2000), 1024);
  ASSERT_TRUE(strong->has_gzip());
  EXPECT_EQ(strong->gzip_etag, strong->etag.substr(0, 17) + "-gzip\"");
  const std::string body = JsonBody(2000);
  const auto weak = MakeWith(body + " ", 1024, /*identity=*/body);
  ASSERT_TRUE(weak->has_gzip());
  ASSERT_TRUE(weak->etag.starts_with("W/\""));
  EXPECT_EQ(weak->gzip_etag, weak->etag.substr(0, 19) + "-gzip\"");
  // Equal content keeps both validators across collections, as the identity ETag does.
  const auto again = MakeWith(body + "  ", 1024, /*identity=*/body);
  EXPECT_EQ(again->etag, weak->etag);
  EXPECT_EQ(again->gzip_etag, weak->gzip_etag);
}

TEST(EntryGzipTest, EachRepresentationHasItsHeaderLinesAndEveryOneSaysVary) {
  const auto entry = MakeWith(JsonBody(2000), 1024);
  ASSERT_TRUE(entry->has_gzip());
  EXPECT_EQ(entry->header_lines, "Content-Type: application/json\r\nETag: " + entry->etag +
                                     "\r\nVary: Accept-Encoding\r\n");
  EXPECT_EQ(entry->gzip_header_lines,
            "Content-Type: application/json\r\nETag: " + entry->gzip_etag +
                "\r\nVary: Accept-Encoding\r\nContent-Encoding: gzip\r\n");
  EXPECT_EQ(entry->GzipNotModifiedLines(), "Content-Type: application/json\r\nETag: " +
                                               entry->gzip_etag + "\r\nVary: Accept-Encoding\r\n");
  // A small body may grow past the threshold at its next collection: it says Vary too.
  const auto small = MakeWith("{}", 1024);
  EXPECT_EQ(small->header_lines,
            "Content-Type: application/json\r\nETag: " + small->etag + "\r\nVary: Accept-Encoding\r\n");
  // Compression off: no response can vary, no Vary.
  const auto off = MakeWith("{}", 0);
  EXPECT_EQ(off->header_lines, "Content-Type: application/json\r\nETag: " + off->etag + "\r\n");
}

TEST(EntryGzipTest, TheCacheCountsTheGzipBodyAndEtagInItsBytes) {
  base::ManualClock clock;
  TtlLruCache cache("bytes", CacheOptions{}, clock);
  const auto entry = MakeWith(JsonBody(4096), 1024);
  ASSERT_TRUE(entry->has_gzip());
  cache.Put("k", entry);
  EXPECT_EQ(cache.Stats().bytes, 1 + entry->body.size() + entry->etag.size() +
                                     entry->gzip_body.size() + entry->gzip_etag.size());
}

TEST(EntryGzipTest, AByteBudgetThatHoldsTheBodyButNotItsGzipFormTooStoresNothing) {
  base::ManualClock clock;
  const auto entry = MakeWith(JsonBody(4096), 1024);
  ASSERT_TRUE(entry->has_gzip());
  CacheOptions options;
  options.max_bytes = 1 + entry->body.size() + entry->etag.size();
  TtlLruCache cache("budget", options, clock);
  cache.Put("k", entry);
  EXPECT_EQ(cache.Stats().size, 0u);
}

// Another replica's entry keeps that replica's ETag verbatim (the same data answers with the
// same ETag everywhere), and its gzip form derives from it.
TEST(EntryTest, AGivenEtagIsUsedVerbatim) {
  EntryContent content;
  content.body = std::string(4096, 'x');
  content.identity = "ignored when an ETag is given";
  content.etag = "W/\"00000000000000aa\"";
  EntryEncoding encoding;
  encoding.gzip_min_bytes = 1024;
  const auto entry = Entry::Make(std::move(content), base::TimePoint{}, encoding);
  EXPECT_EQ(entry->etag, "W/\"00000000000000aa\"");
  EXPECT_EQ(entry->gzip_etag, "W/\"00000000000000aa-gzip\"");
  EXPECT_FALSE(entry->restored);
}

}  // namespace
}  // namespace queuemon::cache
