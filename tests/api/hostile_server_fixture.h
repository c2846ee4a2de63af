#pragma once
// HostileServerTest: the in-process server (testing::InProcessServerTest: HttpServer on
// 127.0.0.1:0, two io_context threads, a FakeSource, ManualClock) for the hostile-input
// suites, plus the checks every case ends with: the answer is the documented status with a JSON
// error body, and a well-behaved client (a keep-alive connection opened before the attack, and a
// fresh one) is still served.
//
// Not thread-safe; one test thread drives it.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "tests/testing/eventually.h"
#include "tests/testing/http_client.h"
#include "tests/testing/in_process_server.h"

namespace queuemon::api::hostile {

using std::chrono::milliseconds;
using http::Cutoff;
using http::HttpMetrics;
using http::Refusal;
using testing::HttpClient;
using testing::HttpResponse;

using testing::Eventually;

// A raw loopback TCP socket for attacks the Beast client cannot make (trickling bytes, reading
// whatever arrives without parsing, half-closing, resetting). Every call is bounded.
// The well-behaved client's address; attacks come from 127.0.0.1.
inline constexpr const char* kGoodClient = "127.0.0.2";

class RawSocket final {
 public:
  // Connects to 127.0.0.1:`port` from `source` (a loopback address: 127.0.0.1 is the attacker
  // in these suites, 127.0.0.2 the well-behaved client). `receive_buffer` > 0 shrinks
  // SO_RCVBUF first (a slow reader).
  explicit RawSocket(std::uint16_t port, const char* source = "127.0.0.1", int receive_buffer = 0)
      : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) return;
    if (receive_buffer > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    }
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &local.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) return;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
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
  // Sends `byte` every 20 ms (each one well within any per-read timeout) until the peer
  // closes or `within` passes; true if it closed. What arrived meanwhile is in received().
  bool TrickleUntilClosed(std::string_view byte, milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (!closed_ && std::chrono::steady_clock::now() < deadline) {
      Send(byte);
      ReadUntilClosed(milliseconds(20));
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

class HostileServerTest : public testing::InProcessServerTest {
 protected:
  void StartServer(http::HttpOptions options = {}) {
    InProcessServerTest::StartServer(std::move(options));
    good_ = std::make_unique<HttpClient>(port(), std::chrono::seconds(5), kGoodClient);
    ASSERT_TRUE(good_->Request("GET", "/healthz"));
  }

  void TearDown() override {
    good_.reset();
    InProcessServerTest::TearDown();
  }

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
    HttpClient fresh(port(), std::chrono::seconds(5), kGoodClient);
    auto fresh_response = fresh.Request("GET", "/api/v1/celery/workers/status");
    ASSERT_TRUE(fresh_response) << "a new client was not served";
    EXPECT_EQ(fresh_response->status, 200);
  }

  std::unique_ptr<HttpClient> good_;  // the well-behaved client, connected before each attack
};

}  // namespace queuemon::api::hostile
