#pragma once
// HostileServerTest: an in-process HttpServer on 127.0.0.1:0 (two io_context threads, a
// FakeCollector, ManualClock) for the hostile-input suites, plus the checks every case ends
// with: the answer is the documented status with a JSON error body, and a well-behaved client
// (a keep-alive connection opened before the attack, and a fresh one) is still served.
//
// Not thread-safe; one test thread drives it.

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "cache/clock.h"
#include "daemon/api.h"
#include "daemon/http_server.h"
#include "tests/testing/fake_collector.h"
#include "tests/testing/http_client.h"

namespace queuemon::daemon::hostile {

using std::chrono::milliseconds;
using testing::HttpClient;
using testing::HttpResponse;

// Polls `condition` until it holds or `within` passed.
inline bool Eventually(const std::function<bool()>& condition,
                       milliseconds within = milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!condition() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  return condition();
}

// A raw loopback TCP socket for attacks the Beast client cannot make (trickling bytes, reading
// whatever arrives without parsing, half-closing, resetting). Every call is bounded.
class RawSocket final {
 public:
  explicit RawSocket(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 &&
                 ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return connected_; }
  bool Send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }
  // Closes with RST instead of FIN.
  void Reset() {
    linger option{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &option, sizeof(option));
    ::close(fd_);
    fd_ = -1;
  }
  // Reads what arrives within `within`; true once the peer has closed (EOF or reset).
  bool ReadUntilClosed(milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (!closed_) {
      const auto left = std::chrono::duration_cast<milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        closed_ = true;
      } else {
        received_.append(buffer, static_cast<std::size_t>(n));
      }
    }
    return closed_;
  }
  const std::string& received() const { return received_; }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

class HostileServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpOptions options = {}) {
    options.listen = "127.0.0.1:0";
    service_ = std::make_unique<ViewService>(ioc_.get_executor(), collector_,
                                             std::map<std::string, cache::CacheOptions>{},
                                             clock_, options.request_timeout);
    api_ = std::make_unique<Api>(std::vector<ViewService*>{service_.get()}, metrics_,
                                 ApiOptions{});
    server_ = std::make_unique<HttpServer>(ioc_, options, api_->router(), metrics_);
    server_->Listen();
    server_->Start();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
    good_ = std::make_unique<HttpClient>(port());
    ASSERT_TRUE(good_->Request("GET", "/healthz"));
  }

  void TearDown() override {
    collector_.Release();
    good_.reset();
    if (server_) {
      std::atomic<bool> done{false};
      server_->BeginShutdown([&] { done = true; });
      EXPECT_TRUE(Eventually([&] { return done.load(); }));
    }
    work_.reset();
    for (auto& t : threads_) t.join();
  }

  std::uint16_t port() const { return server_->port(); }

  // Sends `bytes` on a new connection and reads one response.
  std::optional<HttpResponse> SendRawAndRead(const std::string& bytes) {
    HttpClient client(port());
    if (!client.SendRaw(bytes)) return std::nullopt;
    return client.Read();
  }

  // The response is `status` with a JSON body {"error": <non-empty>, "detail": <string>}.
  static void ExpectJsonError(const std::optional<HttpResponse>& response, int status,
                              const std::string& error = "") {
    ASSERT_TRUE(response) << "no response (closed or timed out)";
    EXPECT_EQ(response->status, status) << response->body;
    EXPECT_EQ(response->Header("Content-Type"), "application/json");
    const auto body = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(body.is_object()) << "not a JSON object: " << response->body;
    ASSERT_TRUE(body.contains("error") && body["error"].is_string()) << response->body;
    EXPECT_FALSE(body["error"].get<std::string>().empty());
    EXPECT_TRUE(body.contains("detail") && body["detail"].is_string()) << response->body;
    if (!error.empty()) {
      EXPECT_EQ(body["error"], error);
    }
  }

  // The keep-alive client from before the attack and a brand-new one both get /healthz.
  void ExpectStillServing() {
    auto old_connection = good_->Request("GET", "/healthz");
    ASSERT_TRUE(old_connection) << "the established keep-alive client was not served";
    EXPECT_EQ(old_connection->status, 200);
    HttpClient fresh(port());
    auto fresh_response = fresh.Request("GET", "/api/v1/celery/workers/status");
    ASSERT_TRUE(fresh_response) << "a new client was not served";
    EXPECT_EQ(fresh_response->status, 200);
  }

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      ioc_.get_executor()};
  cache::ManualClock clock_;
  testing::FakeCollector collector_;
  HttpMetrics metrics_;
  std::unique_ptr<ViewService> service_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
  std::unique_ptr<HttpClient> good_;  // the well-behaved client, connected before each attack
};

}  // namespace queuemon::daemon::hostile
