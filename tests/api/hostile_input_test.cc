// Hostile input against the in-process HTTP server (issue "Reliability and security"): every
// malformed or malicious request gets its documented status with a JSON error body, never a
// crash or a hang, and a well-behaved client is still served after each case. Label unit.
#include "tests/api/hostile_server_fixture.h"
#include "tests/testing/numbered.h"

#include <string>

namespace queuemon::api::hostile {
namespace {

class HostileInputTest : public HostileServerTest {
 protected:
  void SetUp() override { StartServer(); }

  // One request line + headers on a new connection; the bad request closes it afterwards.
  void ExpectRejectedAndClosed(const std::string& bytes, int status, const std::string& error) {
    HttpClient client(port());
    ASSERT_TRUE(client.SendRaw(bytes));
    ExpectJsonError(client.Read(), status, error);
    EXPECT_TRUE(client.WaitForClose(milliseconds(5000)));
    ExpectStillServing();
  }

  // A GET of `target` on a new connection.
  std::optional<HttpResponse> Get(const std::string& target) {
    HttpClient client(port());
    return client.Request("GET", target);
  }
};

TEST_F(HostileInputTest, MalformedRequestLinesGet400) {
  for (const std::string& bytes : {
           std::string("GET\r\n\r\n"),
           std::string("GET /healthz\r\n\r\n"),                     // HTTP/0.9 style
           std::string("GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n"),  // unknown version
           std::string("GET /healthz HTTP/1.1 extra\r\nHost: x\r\n\r\n"),
           std::string("G\x01T /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
           std::string("GET /hea\x7f" "lthz HTTP/1.1\r\nHost: x\r\n\r\n"),
           std::string("GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n"),
           std::string("GET /healthz HTTP/1.1\r\n: empty-name\r\n\r\n"),
           std::string("\r\n\r\n\r\n\r\n"),
           std::string(16, '\0') + "\r\n\r\n",
       }) {
    SCOPED_TRACE(::testing::PrintToString(bytes));
    ExpectRejectedAndClosed(bytes, 400, "bad_request");
  }
}

TEST_F(HostileInputTest, InvalidPercentEncodingGets400) {
  for (const char* target : {"/api/v1/celery/tasks/%zz", "/api/v1/celery/tasks/abc%",
                             "/api/v1/celery/tasks/abc%4", "/healthz?use_cache=%g1",
                             "/api/v1/celery/workers/status?%=1"}) {
    SCOPED_TRACE(target);
    auto r = Get(target);
    ExpectJsonError(r, 400, "bad_request");
    ExpectStillServing();
  }
  EXPECT_EQ(source_.calls(), 1u);  // only ExpectStillServing's workers view reached it
}

TEST_F(HostileInputTest, NonOriginFormTargetsGet400) {
  // Absolute-form and asterisk-form are for proxies and OPTIONS *; this is not a proxy.
  ExpectJsonError(SendRawAndRead("GET http://evil.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
                  400, "bad_request");
  auto star = SendRawAndRead("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
  ExpectJsonError(star, 400, "bad_request");
  ExpectStillServing();
}

TEST_F(HostileInputTest, BytesThatAreNotUtf8AreEscapedInTheJsonError) {
  auto r = Get("/%ff%fe%00/x");
  ExpectJsonError(r, 404, "not_found");
  auto q = Get("/api/v1/celery/queues/status?use_cache=%ff%00%22");
  ExpectJsonError(q, 400, "bad_request");
  EXPECT_NE(nlohmann::json::parse(q->body)["detail"].get<std::string>().find("use_cache"),
            std::string::npos);
  ExpectStillServing();
}

TEST_F(HostileInputTest, HugeTargetAndManyRepeatedHeadersGet431) {
  auto long_target = SendRawAndRead("GET /api/v1/celery/tasks/" + std::string(20000, 'a') +
                                    " HTTP/1.1\r\nHost: x\r\n\r\n");
  ExpectJsonError(long_target, 431, "request_header_fields_too_large");
  std::string repeated = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 2000; ++i) repeated += "X-Repeat: v\r\n";
  ExpectRejectedAndClosed(repeated + "\r\n", 431, "request_header_fields_too_large");
  // A header line far past the limit, never finished: the limit, not the read timeout, ends it.
  ExpectRejectedAndClosed("GET /healthz HTTP/1.1\r\nX-Huge: " + std::string(100000, 'h'), 431,
                          "request_header_fields_too_large");
}

TEST_F(HostileInputTest, RepeatedHeadersWithinTheLimitAreServed) {
  HttpClient client(port());
  std::string request = "GET /api/v1/celery/workers/status HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 50; ++i) request += testing::Numbered("If-None-Match: \"nope-", i) + "\"\r\n";
  ASSERT_TRUE(client.SendRaw(request + "\r\n"));
  auto r = client.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ExpectStillServing();
}

TEST_F(HostileInputTest, AbsurdContentLengthIsRejected) {
  // Larger than the body limit: refused from the header alone (no waiting for the bytes).
  ExpectRejectedAndClosed(
      "POST /api/v1/celery/cache/invalidate HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n",
      413, "payload_too_large");
  // Not representable, negative, not a number, or two different values: malformed.
  for (const char* value : {"99999999999999999999999", "-1", "12abc", "0x10", "5, 6"}) {
    SCOPED_TRACE(value);
    ExpectRejectedAndClosed(std::string("POST /api/v1/celery/cache/invalidate HTTP/1.1\r\n"
                                        "Host: x\r\nContent-Length: ") +
                                value + "\r\n\r\n",
                            400, "bad_request");
  }
  ExpectRejectedAndClosed(
      "POST /api/v1/celery/cache/invalidate HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
      "Content-Length: 2\r\n\r\nab",
      400, "bad_request");
}

TEST_F(HostileInputTest, ChunkedBodiesAreReadOrRejectedWithinTheLimit) {
  // A GET with a small chunked body is read past (the body is ignored) and the connection stays
  // in sync for the next request.
  HttpClient client(port());
  ASSERT_TRUE(client.SendRaw(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\n\r\n"
      "GET /api/v1/celery/tasks/after-chunked HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = client.Read(), second = client.Read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->status, 200);
  EXPECT_NE(second->body.find("task:after-chunked"), std::string::npos);
  // Chunks adding up past the body limit (64 KiB): 413.
  std::string big = "POST /api/v1/celery/cache/invalidate HTTP/1.1\r\nHost: x\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 17; ++i) big += "1000\r\n" + std::string(0x1000, 'c') + "\r\n";
  ExpectRejectedAndClosed(big + "0\r\n\r\n", 413, "payload_too_large");
  // A chunk size that is not hex, or absurdly large: malformed / too large.
  ExpectRejectedAndClosed("POST /api/v1/celery/cache/invalidate HTTP/1.1\r\nHost: x\r\n"
                          "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
                          400, "bad_request");
  ExpectRejectedAndClosed("POST /api/v1/celery/cache/invalidate HTTP/1.1\r\nHost: x\r\n"
                          "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n",
                          400, "bad_request");
}

TEST_F(HostileInputTest, ContentLengthWithChunkedIsNotSmuggled) {
  // Both framings at once is the classic smuggling vector: refuse rather than pick one.
  HttpClient client(port());
  ASSERT_TRUE(client.SendRaw(
      "POST /api/v1/celery/cache/invalidate HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
      "GET /api/v1/celery/tasks/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = client.Read();
  ExpectJsonError(r, 400, "bad_request");
  EXPECT_FALSE(client.Read()) << "a request after the ambiguous one was served";
  ExpectStillServing();
}

TEST_F(HostileInputTest, PathTraversalFindsNothing) {
  for (const char* target :
       {"/api/v1/celery/../../etc/passwd", "/api/v1/celery/%2e%2e/%2e%2e/etc/passwd",
        "/api/v1/celery/workers/../../../../etc/passwd", "/../../../../etc/passwd",
        "/api/v1/celery/tasks/../../../etc/passwd", "/api/v1/%2E%2E/celery/health",
        "//etc/passwd", "/./healthz/."}) {
    SCOPED_TRACE(target);
    ExpectJsonError(Get(target), 404, "not_found");
  }
  // An encoded slash cannot smuggle extra segments into a placeholder.
  ExpectJsonError(Get("/api/v1/celery/tasks/..%2f..%2fetc%2fpasswd"), 400, "bad_request");
  ExpectJsonError(Get("/api/v1/celery/tasks/%2F"), 400, "bad_request");
  // ".." alone is an (odd but) well-formed opaque task id: a key lookup, never a file.
  auto dots = Get("/api/v1/celery/tasks/%2e%2e");
  ASSERT_TRUE(dots);
  EXPECT_EQ(dots->status, 200);
  EXPECT_NE(dots->body.find("\"task:..\""), std::string::npos) << dots->body;
  ExpectStillServing();
}

TEST_F(HostileInputTest, TaskIdsCraftedAsRedisCommandsNeverReachTheCollector) {
  const std::uint64_t before = source_.calls();
  for (const std::string& target : {
           std::string("/api/v1/celery/tasks/x%0D%0AFLUSHALL"),
           std::string("/api/v1/celery/tasks/x%0D%0A*1%0D%0A$8%0D%0AFLUSHALL%0D%0A"),
           std::string("/api/v1/celery/tasks/*"), std::string("/api/v1/celery/tasks/celery-task-meta-*"),
           std::string("/api/v1/celery/tasks/a%20b"), std::string("/api/v1/celery/tasks/%00"),
           std::string("/api/v1/celery/tasks/x%7BFLUSHALL%7D"),
           std::string("/api/v1/celery/tasks/") + std::string(156, 'a'),
           std::string("/api/v1/celery/tasks/") + std::string(5000, 'a'),
           std::string("/api/v1/celery/tasks/%C3%A9t%C3%A9"),
       }) {
    SCOPED_TRACE(target.substr(0, 80));
    ExpectJsonError(Get(target), 400, "bad_request");
  }
  EXPECT_EQ(source_.calls(), before);
  // The longest valid id still works.
  auto longest = Get("/api/v1/celery/tasks/" + std::string(155, 'a'));
  ASSERT_TRUE(longest);
  EXPECT_EQ(longest->status, 200);
  ExpectStillServing();
}

TEST_F(HostileInputTest, UnknownMethodsAndWrongMethodsGetJson) {
  ExpectJsonError(SendRawAndRead("BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), 405,
                  "method_not_allowed");
  auto wrong = SendRawAndRead("DELETE /api/v1/celery/workers/status HTTP/1.1\r\nHost: x\r\n\r\n");
  ExpectJsonError(wrong, 405, "method_not_allowed");
  EXPECT_EQ(wrong->Header("Allow"), "GET, HEAD");
  ExpectJsonError(SendRawAndRead("TRACE / HTTP/1.1\r\nHost: x\r\n\r\n"), 405);
  ExpectStillServing();
}

}  // namespace
}  // namespace queuemon::api::hostile
