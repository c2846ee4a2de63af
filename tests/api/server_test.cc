#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "api/api.h"
#include "sources/fake/fake_source.h"
#include "tests/testing/http_client.h"
#include "tests/testing/eventually.h"
#include "tests/testing/in_process_server.h"
#include "tests/testing/numbered.h"

namespace queuemon::api {
namespace {

using std::chrono::milliseconds;
using testing::HttpClient;
using testing::HttpResponse;

using testing::Eventually;

using HttpServerTest = testing::InProcessServerTest;

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  HttpClient client(port());
  auto first = client.Request("GET", "/api/v1/celery/workers/status");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->Header("X-Cache"), "MISS");
  EXPECT_EQ(first->Header("Content-Type"), "application/json");
  auto second = client.Request("GET", "/api/v1/celery/workers/status");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->Header("X-Cache"), "HIT");
  EXPECT_EQ(second->Header("Age"), "0");
  EXPECT_EQ(second->body, first->body);
  auto not_modified = client.Request("GET", "/api/v1/celery/workers/status",
                                     {{"If-None-Match", first->Header("ETag")}});
  ASSERT_TRUE(not_modified);
  EXPECT_EQ(not_modified->status, 304);
  EXPECT_TRUE(not_modified->body.empty());
  EXPECT_EQ(not_modified->Header("ETag"), first->Header("ETag"));
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  HttpClient client(port());
  ASSERT_TRUE(client.SendRaw(
      "GET /api/v1/celery/tasks/a1 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /api/v1/celery/tasks/b2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto a = client.Read(), b = client.Read(), c = client.Read();
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->body, R"({"view":"task:a1","call":1})");
  EXPECT_EQ(b->status, 404);
  EXPECT_EQ(c->body, R"({"view":"task:b2","call":2})");
}

TEST_F(HttpServerTest, HeadGetsHeadersWithoutBody) {
  StartServer();
  HttpClient client(port());
  auto head = client.Request("HEAD", "/api/v1/celery/queues/status");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  EXPECT_NE(head->Header("Content-Length"), "0");
  auto after = client.Request("GET", "/healthz");  // the connection is still in sync
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, R"({"status":"ok"})");
}

TEST_F(HttpServerTest, OversizedHeadersGet431Json) {
  http::HttpOptions options;
  options.max_header_bytes = 1024;
  StartServer(options);
  HttpClient client(port());
  auto r = client.Request("GET", "/healthz", {{"X-Big", std::string(4096, 'a')}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(nlohmann::json::parse(r->body)["error"], "request_header_fields_too_large");
  EXPECT_TRUE(client.WaitForClose(milliseconds(5000)));
}

TEST_F(HttpServerTest, OversizedBodyGets413) {
  http::HttpOptions options;
  options.max_body_bytes = 100;
  StartServer(options);
  HttpClient client(port());
  auto r = client.Request("POST", "/api/v1/celery/cache/invalidate", {}, std::string(1000, 'x'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(nlohmann::json::parse(r->body).contains("detail"));
}

TEST_F(HttpServerTest, GarbageGets400JsonAndClose) {
  StartServer();
  HttpClient client(port());
  ASSERT_TRUE(client.SendRaw("\x01\x02 garbage \xff\r\n\r\n"));
  auto r = client.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(nlohmann::json::parse(r->body)["error"], "bad_request");
  EXPECT_TRUE(client.WaitForClose(milliseconds(5000)));
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionsAreClosed) {
  http::HttpOptions options;
  options.idle_timeout = milliseconds(50);
  StartServer(options);
  HttpClient client(port());
  ASSERT_TRUE(client.Request("GET", "/healthz"));
  EXPECT_TRUE(client.WaitForClose(milliseconds(5000)));
}

TEST_F(HttpServerTest, ConnectionClosesAfterMaxRequestsPerConnection) {
  http::HttpOptions options;
  options.max_requests_per_connection = 2;
  StartServer(options);
  HttpClient client(port());
  auto first = client.Request("GET", "/healthz");
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->keep_alive);
  auto second = client.Request("GET", "/healthz");
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->keep_alive);
  EXPECT_TRUE(client.WaitForClose(milliseconds(5000)));
}

// At max_connections an idle keep-alive connection makes room for a new one (issue 19); with
// the only slot busy mid-request, the newcomer gets 503 and is closed.
TEST_F(HttpServerTest, ConnectionsBeyondTheLimitEvictAnIdleOneOrGet503AndClose) {
  http::HttpOptions options;
  options.max_connections = 1;
  options.max_connections_per_address = 0;
  StartServer(options);
  HttpClient first(port());
  ASSERT_TRUE(first.Request("GET", "/healthz"));
  ASSERT_TRUE(testing::Eventually([&] { return server_->idle_connections() == 1; }));  // idle
  HttpClient second(port());
  auto served = second.Request("GET", "/healthz");
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
  EXPECT_TRUE(first.WaitForClose(milliseconds(5000))) << "the idle one was evicted";
  EXPECT_EQ(metrics_.Read().connections_cut[static_cast<int>(http::Cutoff::kIdleEvicted)], 1u);

  // second waits for its next request (the server marks it idle once its response is out)...
  ASSERT_TRUE(testing::Eventually([&] { return server_->idle_connections() == 1; }));
  ASSERT_TRUE(second.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n"));  // ...mid-request now
  // Once the server has read those bytes, nothing is idle (first is gone or on its way out).
  ASSERT_TRUE(testing::Eventually([&] { return server_->idle_connections() == 0; }));
  HttpClient third(port());
  auto refused = third.Read();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(nlohmann::json::parse(refused->body)["error"], "too_many_connections");
  EXPECT_TRUE(third.WaitForClose(milliseconds(5000)));
  ASSERT_TRUE(second.SendRaw("\r\n"));
  auto finished = second.Read();
  ASSERT_TRUE(finished) << "the request in the middle was never cut";
  EXPECT_EQ(finished->status, 200);
}

TEST_F(HttpServerTest, DrainLetsAnInFlightRequestCompleteAndClosesIdleOnes) {
  StartServer();
  HttpClient idle(port());
  ASSERT_TRUE(idle.Request("GET", "/healthz"));
  HttpClient busy(port());
  source_.Hold();
  ASSERT_TRUE(busy.Send("GET", "/api/v1/celery/health"));
  ASSERT_TRUE(Eventually([&] { return source_.waiting() == 1; }));
  std::atomic<bool> done{false};
  server_->BeginShutdown([&] { done = true; });
  EXPECT_TRUE(idle.WaitForClose(milliseconds(5000)));
  EXPECT_FALSE(done.load());
  source_.Release();
  auto r = busy.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(Eventually([&] { return done.load(); }));
  server_.reset();  // drained: nothing left for TearDown to do
}

TEST_F(HttpServerTest, InvalidateIsLoopbackOnlyWithoutTokenAndNeedsBearerWithOne) {
  StartServer({}, "tok");
  HttpClient client(port());
  ASSERT_TRUE(client.Request("GET", "/api/v1/celery/workers/status"));
  auto denied = client.Request("POST", "/api/v1/celery/cache/invalidate");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_TRUE(denied->HasHeader("WWW-Authenticate"));
  auto ok = client.Request("POST", "/api/v1/celery/cache/invalidate?cache_name=worker_status",
                           {{"Authorization", "Bearer tok"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(nlohmann::json::parse(ok->body)["total"], 1);
  auto unknown = client.Request("POST", "/api/v1/celery/cache/invalidate?cache_name=x",
                                {{"Authorization", "Bearer tok"}});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  // Issue 11: the body reaches the handler, which honours its cache_name.
  ASSERT_TRUE(client.Request("GET", "/api/v1/celery/workers/status"));
  ASSERT_TRUE(client.Request("GET", "/api/v1/celery/queues/status"));
  auto by_body = client.Request("POST", "/api/v1/celery/cache/invalidate",
                                {{"Authorization", "Bearer tok"}, {"Content-Type", "application/json"}},
                                R"({"cache_name": "health_check"})");
  ASSERT_TRUE(by_body);
  EXPECT_EQ(by_body->status, 200) << by_body->body;
  EXPECT_EQ(nlohmann::json::parse(by_body->body)["total"], 0) << "health_check only";
  EXPECT_EQ(client.Request("GET", "/api/v1/celery/queues/status")->Header("X-Cache"), "HIT");
}

// Issue 14: a browser gets the status page at /, an API client the JSON index (also at /api/v1).
TEST_F(HttpServerTest, TheRootServesThePageToBrowsersAndTheJsonIndexToApiClients) {
  StartServer({});
  HttpClient client(port());
  const std::map<std::string, std::string> browser = {
      {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}};
  const auto page = client.Request("GET", "/", browser);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("/ui/app.js"), std::string::npos);
  EXPECT_NE(page->Header("Content-Security-Policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(page->Header("Vary"), "Accept, Accept-Encoding");
  for (const char* accept : {"*/*", "application/json", "text/html;q=0"}) {
    const auto index = client.Request("GET", "/", {{"Accept", accept}});
    ASSERT_TRUE(index);
    EXPECT_EQ(index->Header("Content-Type"), "application/json") << accept;
    EXPECT_EQ(nlohmann::json::parse(index->body)["service"], "queuemond") << accept;
  }
  const auto stable = client.Request("GET", "/api/v1", browser);
  ASSERT_TRUE(stable);
  EXPECT_EQ(stable->Header("Content-Type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(stable->body)["status_page"], "/ui/");
}

TEST_F(HttpServerTest, PageFilesAreGzippedWhenAcceptedAndRevalidatedWith304) {
  StartServer({});
  HttpClient client(port());
  std::size_t compressed = 0;
  for (const char* file : {"/ui/", "/ui/app.css", "/ui/app.js"}) {
    const auto plain = client.Request("GET", file);
    ASSERT_TRUE(plain);
    ASSERT_EQ(plain->status, 200) << file;
    EXPECT_FALSE(plain->HasHeader("Content-Encoding")) << file;
    const auto gzip = client.Request("GET", file, {{"Accept-Encoding", "gzip, deflate, br"}});
    ASSERT_TRUE(gzip);
    EXPECT_EQ(gzip->Header("Content-Encoding"), "gzip") << file;
    ASSERT_GE(gzip->body.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(gzip->body[0]), 0x1f) << "gzip magic";
    EXPECT_EQ(static_cast<unsigned char>(gzip->body[1]), 0x8b);
    EXPECT_LT(gzip->body.size(), plain->body.size()) << file;
    compressed += gzip->body.size();
    const auto again = client.Request("GET", file, {{"If-None-Match", plain->Header("ETag")}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304) << file;
    EXPECT_TRUE(again->body.empty());
    EXPECT_NE(gzip->Header("ETag"), plain->Header("ETag")) << "a validator per content coding";
    const auto gzip_again = client.Request(
        "GET", file, {{"Accept-Encoding", "gzip"}, {"If-None-Match", gzip->Header("ETag")}});
    ASSERT_TRUE(gzip_again);
    EXPECT_EQ(gzip_again->status, 304) << file;
  }
  EXPECT_LT(compressed, 60u * 1024) << "the page's whole transfer";
  const auto refused = client.Request("GET", "/ui/app.js", {{"Accept-Encoding", "gzip;q=0"}});
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->HasHeader("Content-Encoding"));
  EXPECT_EQ(client.Request("GET", "/ui/nope.js")->status, 404);
}

TEST_F(HttpServerTest, MetricsAreGzippedForAScraperThatAcceptsIt) {
  StartServer({});
  HttpClient client(port());
  const auto plain = client.Request("GET", "/metrics");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->HasHeader("Content-Encoding"));
  EXPECT_EQ(plain->Header("Vary"), "Accept-Encoding");
  const auto gzip = client.Request("GET", "/metrics", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(gzip);
  EXPECT_EQ(gzip->status, 200);
  EXPECT_EQ(gzip->Header("Content-Encoding"), "gzip");
  ASSERT_GE(gzip->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gzip->body[0]), 0x1f);
  EXPECT_LT(gzip->body.size() * 3, plain->body.size()) << "Prometheus text compresses well";
}

TEST_F(HttpServerTest, CacheStatsCountEveryConcurrentRequestExactlyOnce) {
  StartServer();
  constexpr int kClients = 4, kRequests = 25;
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      HttpClient client(port());
      for (int i = 0; i < kRequests; ++i) {
        auto r = client.Request("GET", i % 5 == 0 ? "/api/v1/celery/queues/status?use_cache=false"
                                                  : "/api/v1/celery/queues/status");
        if (r && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  HttpClient client(port());
  auto stats = client.Request("GET", "/api/v1/celery/cache/stats");
  ASSERT_TRUE(stats);
  const auto queues = nlohmann::json::parse(stats->body)["caches"]["queue_status"];
  EXPECT_EQ(queues["total_requests"], kClients * kRequests);
  EXPECT_EQ(queues["hits"].get<int>() + queues["misses"].get<int>() + queues["stale"].get<int>(),
            kClients * kRequests);
  EXPECT_LE(source_.calls(), 1u + queues["misses"].get<std::uint64_t>());
}

TEST_F(HttpServerTest, ReadinessMetricsAndErrors) {
  StartServer();
  HttpClient client(port());
  EXPECT_EQ(client.Request("GET", "/readyz")->status, 503);
  api_->SetReady(true);
  EXPECT_EQ(client.Request("GET", "/readyz")->status, 200);
  auto metrics = client.Request("GET", "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics->body.find("queuemon_http_requests_total{code=\"5xx\"} 1"), std::string::npos);
  auto wrong = client.Request("DELETE", "/metrics");
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->Header("Allow"), "GET, HEAD");
  auto bad = client.Request("GET", "/api/v1/celery/queues/status?use_cache=nah");
  EXPECT_EQ(bad->status, 400);
  auto landing = client.Request("GET", "/");
  EXPECT_NE(landing->body.find("/api/v1/celery/workers/status"), std::string::npos);
  // Issue 11: an unknown source is named, with the configured ones.
  auto unknown_source = client.Request("GET", "/api/v1/flower/workers/status");
  EXPECT_EQ(unknown_source->status, 404);
  EXPECT_NE(unknown_source->body.find("no source named 'flower' (configured: celery)"),
            std::string::npos) << unknown_source->body;
  auto unknown_path = client.Request("GET", "/api/v1/celery/nothing");
  EXPECT_EQ(unknown_path->status, 404);
  EXPECT_NE(unknown_path->body.find("no such endpoint"), std::string::npos);
}

TEST_F(HttpServerTest, OneThreadWithoutStrandsKeepsEverySemantic) {
  http::HttpOptions options;
  options.threads = 1;
  StartServer(options);
  HttpClient client(port());
  auto miss = client.Request("GET", "/api/v1/celery/workers/status");
  ASSERT_TRUE(miss);
  EXPECT_EQ(miss->Header("X-Cache"), "MISS");
  EXPECT_FALSE(miss->HasHeader("Age"));
  auto hit = client.Request("GET", "/api/v1/celery/workers/status");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->Header("X-Cache"), "HIT");
  EXPECT_EQ(hit->Header("X-Cache-Age"), "0");
  EXPECT_EQ(hit->Header("Content-Type"), "application/json");
  EXPECT_EQ(hit->Header("Server"), "queuemond");
  EXPECT_EQ(hit->Header("Content-Length"), std::to_string(miss->body.size()));
  EXPECT_EQ(hit->body, miss->body);
  auto head = client.Request("HEAD", "/api/v1/celery/workers/status");
  ASSERT_TRUE(head);
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(head->Header("Content-Length"), std::to_string(miss->body.size()));
  auto not_modified = client.Request("GET", "/api/v1/celery/workers/status",
                                     {{"If-None-Match", hit->Header("ETag")}});
  ASSERT_TRUE(not_modified);
  EXPECT_EQ(not_modified->status, 304);
  EXPECT_FALSE(not_modified->HasHeader("Content-Length"));
  ASSERT_TRUE(client.SendRaw("GET /nope HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto error = client.Read();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 404);
  EXPECT_EQ(error->Header("Connection"), "keep-alive");
  EXPECT_EQ(nlohmann::json::parse(error->body)["error"], "not_found");
}

// A response far larger than the socket buffers (6 MB against a 2 KB receive window) cannot
// go out in the session's first, synchronous write: the rest must follow asynchronously, whole,
// and the pipelined request behind it must still be answered in order.
TEST_F(HttpServerTest, ResponsesLargerThanTheSocketBuffersArriveWholeAndInOrder) {
  namespace http = boost::beast::http;
  using boost::asio::ip::tcp;
  constexpr std::size_t kPadding = 6 * 1024 * 1024;
  source_.SetBodyPadding(kPadding);
  StartServer();
  boost::asio::io_context client_ioc;
  tcp::socket socket(client_ioc);
  socket.open(tcp::v4());
  socket.set_option(boost::asio::socket_base::receive_buffer_size(2048));
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port()});
  boost::asio::write(socket, boost::asio::buffer(std::string_view(
      "GET /api/v1/celery/workers/status HTTP/1.1\r\nHost: x\r\n\r\n"
      "HEAD /api/v1/celery/workers/status HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /api/v1/celery/tasks/t1 HTTP/1.1\r\nHost: x\r\n\r\n")));
  // Reads with a deadline (the stream's expiry; SO_RCVTIMEO would not bound Asio's blocking
  // read): a response that never comes whole fails the test instead of hanging it.
  boost::beast::tcp_stream stream(std::move(socket));
  boost::beast::flat_buffer buffer;
  const auto read = [&](auto& parser) {
    boost::system::error_code result;
    stream.expires_after(std::chrono::seconds(30));
    http::async_read(stream, buffer, parser,
                     [&result](boost::system::error_code ec, std::size_t) { result = ec; });
    client_ioc.restart();
    client_ioc.run();
    return result;
  };
  http::response_parser<http::string_body> big;
  big.body_limit(kPadding + 1024);
  boost::system::error_code ec = read(big);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(big.get().body().size(), kPadding + 36) << big.get().body().substr(0, 40);
  EXPECT_EQ(big.get()["X-Cache"], "MISS");
  http::response_parser<http::string_body> head;
  head.skip(true);  // the answer to HEAD has no body
  ec = read(head);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(head.get()["X-Cache"], "HIT");
  EXPECT_EQ(head.get()["Content-Length"], std::to_string(kPadding + 36));
  http::response_parser<http::string_body> small;
  small.body_limit(kPadding + 1024);
  ec = read(small);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(small.get().body().rfind(R"({"view":"task:t1","call":2,"pad":"xx)", 0), 0u);
}

}  // namespace
}  // namespace queuemon::api
