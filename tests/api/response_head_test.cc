// AppendResponseHead must write exactly the bytes Beast writes for the same response (the
// session used to serialise every response through beast::http::fields), and the header lines
// a cache entry pre-serialises must be exactly the fields the HIT path used to set one by one.
#include "http/response_head.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/write.hpp>

#include "cache/entry.h"
#include "http/response.h"
#include "api/view_handler.h"

namespace queuemon::api {
namespace {

namespace beast_http = boost::beast::http;
using http::AppendResponseHead;
using http::JsonError;
using http::kServerName;
using http::Response;
using http::StatusHasNoBody;
using std::chrono::milliseconds;
using std::chrono::seconds;

// What the session wrote before: the fields set one by one on a Beast message, in the order
// AppendResponseHead documents, serialised by Beast's own writer.
std::string BeastHead(const Response& response, unsigned version, bool keep_alive) {
  beast_http::response<beast_http::empty_body> message;
  message.version(version);
  message.result(static_cast<unsigned>(response.status));
  for (const auto& [name, value] : response.headers) message.set(name, value);
  std::string_view block = response.header_block;
  while (!block.empty()) {
    const auto end = block.find("\r\n");
    const std::string_view line = block.substr(0, end);
    const auto colon = line.find(": ");
    message.set(line.substr(0, colon), line.substr(colon + 2));
    block.remove_prefix(end + 2);
  }
  message.set(beast_http::field::server, kServerName);
  message.keep_alive(keep_alive);
  if (!StatusHasNoBody(response.status)) message.content_length(response.Body().size());
  std::ostringstream out;
  out << message.base();
  return out.str();
}

std::string OurHead(const Response& response, unsigned version, bool keep_alive) {
  std::string out = "leading bytes stay|";
  AppendResponseHead(out, response, version, keep_alive);
  EXPECT_EQ(out.rfind("leading bytes stay|", 0), 0u) << "appends, never clears";
  return out.substr(19);
}

void ExpectSameAsBeast(const Response& response, const std::string& what) {
  for (unsigned version : {10u, 11u}) {
    for (bool keep_alive : {false, true}) {
      EXPECT_EQ(OurHead(response, version, keep_alive), BeastHead(response, version, keep_alive))
          << what << " HTTP/" << version / 10 << "." << version % 10
          << (keep_alive ? " keep-alive" : " close");
    }
  }
}

cache::ReadResult Result(cache::Outcome outcome, base::Duration age) {
  cache::ReadResult r;
  r.outcome = outcome;
  r.entry = cache::Entry::Make(R"({"workers":[1,2,3]})", base::TimePoint{});
  r.age = age;
  r.ttl = seconds(5);
  return r;
}

// A HIT on an entry with a gzip form (compression from 16 bytes on).
cache::ReadResult GzipHit() {
  cache::ReadResult r = Result(cache::Outcome::kHit, seconds(1));
  cache::EntryContent content;
  content.body = R"({"workers":[)" + std::string(200, ' ') + "]}";
  r.entry = cache::Entry::Make(std::move(content), base::TimePoint{}, cache::EntryEncoding{16});
  return r;
}

http::Request NoneMatch(std::string etag, bool accepts_gzip = false) {
  http::Request request;
  request.if_none_match = std::move(etag);
  request.accepts_gzip = accepts_gzip;
  return request;
}

TEST(ResponseHeadTest, ViewResponsesMatchBeast) {
  ExpectSameAsBeast(api::ViewResponse(Result(cache::Outcome::kHit, milliseconds(2500)), http::Request{}, "c"), "HIT");
  ExpectSameAsBeast(api::ViewResponse(Result(cache::Outcome::kMiss, {}), http::Request{}, "c"), "MISS");
  ExpectSameAsBeast(api::ViewResponse(Result(cache::Outcome::kStale, seconds(7)), http::Request{}, "c"), "STALE");
  const cache::ReadResult hit = Result(cache::Outcome::kHit, seconds(1));
  const Response not_modified = api::ViewResponse(hit, NoneMatch(hit.entry->etag), "c");
  ASSERT_EQ(not_modified.status, 304);
  ExpectSameAsBeast(not_modified, "304");
  EXPECT_EQ(OurHead(not_modified, 11, true).find("Content-Length"), std::string::npos);
}

// The gzip form's head: its own fields, and Content-Length is the compressed size, which is
// also what a HEAD request gets (the session writes the same head without the body).
TEST(ResponseHeadTest, GzipViewResponsesMatchBeastWithTheCompressedLength) {
  const cache::ReadResult hit = GzipHit();
  ASSERT_TRUE(hit.entry->has_gzip());
  const Response gzip = api::ViewResponse(hit, NoneMatch("", /*accepts_gzip=*/true), "c");
  ExpectSameAsBeast(gzip, "gzip HIT");
  EXPECT_NE(OurHead(gzip, 11, true).find("\r\nContent-Encoding: gzip\r\nServer: queuemond\r\n"
                                         "Content-Length: " +
                                         std::to_string(hit.entry->gzip_body.size()) + "\r\n"),
            std::string::npos)
      << OurHead(gzip, 11, true);
  const Response identity = api::ViewResponse(hit, http::Request{}, "c");
  EXPECT_NE(OurHead(identity, 11, true).find("Content-Length: " +
                                             std::to_string(hit.entry->body.size()) + "\r\n"),
            std::string::npos);
  const Response not_modified =
      api::ViewResponse(hit, NoneMatch(hit.entry->gzip_etag, /*accepts_gzip=*/true), "c");
  ASSERT_EQ(not_modified.status, 304);
  ExpectSameAsBeast(not_modified, "gzip 304");
}

TEST(ResponseHeadTest, ErrorAndPlainResponsesMatchBeast) {
  for (int status : {200, 400, 401, 403, 404, 405, 408, 413, 431, 500, 503, 504}) {
    ExpectSameAsBeast(JsonError(status, "e", "detail"), "status " + std::to_string(status));
  }
  Response retry = JsonError(503, "too_many_connections", "retry later");
  retry.SetHeader("Retry-After", "1");
  ExpectSameAsBeast(retry, "503 with Retry-After");
  Response empty;
  empty.status = 204;
  ExpectSameAsBeast(empty, "204");
  empty.status = 299;  // no reason phrase known
  ExpectSameAsBeast(empty, "299");
}

TEST(ResponseHeadTest, ExactBytesOfAHit) {
  const cache::ReadResult hit = Result(cache::Outcome::kHit, milliseconds(2500));
  std::string head;
  AppendResponseHead(head, api::ViewResponse(hit, http::Request{}, "c"), 11, true);
  EXPECT_EQ(head,
            "HTTP/1.1 200 OK\r\nX-Cache: HIT\r\nX-Cache-Age: 2\r\nAge: 2\r\n"
            "Cache-Control: max-age=2\r\nContent-Type: application/json\r\nETag: " +
                hit.entry->etag + "\r\nServer: queuemond\r\nContent-Length: 19\r\n\r\n");
}

TEST(EntryHeaderLinesTest, AreTheFieldsEveryResponseOfTheEntryCarries) {
  const auto entry = cache::Entry::Make(R"({"x":1})", base::TimePoint{});
  EXPECT_EQ(entry->header_lines,
            "Content-Type: application/json\r\nETag: " + entry->etag + "\r\n");
  Response response;
  response.header_block = entry->header_lines;
  EXPECT_EQ(response.Header("etag"), entry->etag);
  EXPECT_EQ(response.Header("Content-Type"), "application/json");
  EXPECT_EQ(response.Header("Content"), "");
  EXPECT_EQ(response.Header("Age"), "");
}

}  // namespace
}  // namespace queuemon::api
