// Issue 19: slow and greedy clients must not lock others out. Attacks come from 127.0.0.1, the
// well-behaved client from 127.0.0.2 (both loopback, so two "hosts" on one machine): the
// per-address limit, the trusted-proxy exemption, the header deadline, and a slowloris and a
// slow-read flood while another address polls. Every loop is bounded in count and time.
// Label unit (in-process server, FakeSource, no broker).
#include "tests/api/hostile_server_fixture.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace queuemon::api::hostile {
namespace {

constexpr milliseconds kBound{5000};
constexpr const char* kAttacker = "127.0.0.1";

std::uint64_t Refused(const HttpMetrics& metrics, Refusal why) {
  return metrics.Read().connections_refused[static_cast<std::size_t>(why)];
}
std::uint64_t Cut(const HttpMetrics& metrics, Cutoff why) {
  return metrics.Read().connections_cut[static_cast<std::size_t>(why)];
}

class SlowClientTest : public HostileServerTest {
 protected:
  // One poll from the well-behaved address on a new connection: its status, and whether it
  // came back within `within`.
  int PollFromGoodClient(milliseconds within, bool* in_time) {
    const auto start = std::chrono::steady_clock::now();
    try {
      HttpClient client(port(), kBound, kGoodClient);
      auto response = client.Request("GET", "/api/v1/celery/workers/status");
      *in_time = std::chrono::steady_clock::now() - start <= within;
      return response ? response->status : 0;
    } catch (const std::exception&) {
      *in_time = false;
      return 0;
    }
  }
};

TEST_F(SlowClientTest, OneAddressIsCappedAndRefusedCheaplyWhileAnotherIsServed) {
  http::HttpOptions options;
  options.max_connections = 40;
  options.max_connections_per_address = 5;
  options.header_timeout = milliseconds(60'000);
  options.read_timeout = milliseconds(60'000);
  StartServer(options);
  std::vector<std::unique_ptr<RawSocket>> held;
  for (int i = 0; i < 5; ++i) held.push_back(std::make_unique<RawSocket>(port(), kAttacker));
  ASSERT_TRUE(Eventually([&] { return server_->connections() == 6; }));  // + good_
  for (int i = 0; i < 20; ++i) {
    HttpClient over(port());
    auto refused = over.Read();
    ExpectJsonError(refused, 503, "too_many_connections_from_address");
    EXPECT_TRUE(over.WaitForClose(kBound));
  }
  EXPECT_EQ(Refused(metrics_, Refusal::kPerAddress), 20u);
  EXPECT_EQ(Refused(metrics_, Refusal::kMaxConnections), 0u);
  EXPECT_EQ(server_->connections(), 6u);
  for (auto& socket : held) EXPECT_FALSE(socket->ReadUntilClosed(milliseconds(1)));
  ExpectStillServing();
  held.pop_back();  // a slot of its own frees up
  ASSERT_TRUE(Eventually([&] { return server_->connections() == 5; }));
  HttpClient again(port());
  auto served = again.Request("GET", "/healthz");
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
}

TEST_F(SlowClientTest, TrustedProxiesAreExemptFromThePerAddressLimit) {
  http::HttpOptions options;
  options.max_connections = 40;
  options.max_connections_per_address = 2;
  options.trusted_proxies = {"127.0.0.1"};
  StartServer(options);
  std::vector<std::unique_ptr<HttpClient>> proxied;
  for (int i = 0; i < 10; ++i) {
    proxied.push_back(std::make_unique<HttpClient>(port()));
    auto response = proxied.back()->Request("GET", "/healthz");
    ASSERT_TRUE(response) << i;
    EXPECT_EQ(response->status, 200);
  }
  EXPECT_EQ(Refused(metrics_, Refusal::kPerAddress), 0u);
}

// The request line and headers must arrive within header_timeout, however slowly each byte
// comes and however long read_timeout is; for a keep-alive request, from its first byte.
TEST_F(SlowClientTest, TricklingHeadersAreCutAtTheHeaderDeadline) {
  http::HttpOptions options;
  options.header_timeout = milliseconds(300);
  options.read_timeout = milliseconds(60'000);
  StartServer(options);
  RawSocket slow(port(), kAttacker);
  ASSERT_TRUE(slow.Send("GET /healthz HTTP/1.1\r\nX-Slow: "));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(slow.TrickleUntilClosed("a", kBound)) << "the trickling client was never cut off";
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(3000))
      << "cut by the 300 ms header deadline, not the 60 s read timeout";
  EXPECT_EQ(slow.received(), "");
  // The socket closes as the deadline fires; the count follows a moment later.
  EXPECT_TRUE(Eventually([&] { return Cut(metrics_, Cutoff::kHeaderTimeout) == 1; }));

  // Keep-alive: a first request served, then a second one trickled: cut as well.
  RawSocket keep(port(), kAttacker);
  ASSERT_TRUE(keep.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nX-S: "));
  ASSERT_TRUE(keep.TrickleUntilClosed("b", kBound));
  EXPECT_EQ(keep.received().rfind("HTTP/1.1 200", 0), 0u) << "the first request was answered";
  EXPECT_TRUE(Eventually([&] { return Cut(metrics_, Cutoff::kHeaderTimeout) == 2; }));
  EXPECT_EQ(Cut(metrics_, Cutoff::kReadTimeout), 0u);
  ExpectStillServing();
}

// A client that connects and sends nothing is cut at the header deadline too (counted), not
// kept for read_timeout.
TEST_F(SlowClientTest, ASilentNewConnectionIsCutAtTheHeaderDeadline) {
  http::HttpOptions options;
  options.header_timeout = milliseconds(200);
  options.read_timeout = milliseconds(60'000);
  StartServer(options);
  RawSocket silent(port(), kAttacker);
  ASSERT_TRUE(silent.ReadUntilClosed(kBound));
  EXPECT_TRUE(Eventually([&] { return Cut(metrics_, Cutoff::kHeaderTimeout) == 1; }));
}

// Attacks on a background thread until `stop`: keeps up to `sockets` connections from the
// attacker address open, each trickling header bytes, replacing any the server closed.
void Slowloris(std::uint16_t port, int sockets, const std::atomic<bool>& stop,
               std::atomic<int>* opened) {
  std::vector<std::unique_ptr<RawSocket>> flood;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!stop.load() && std::chrono::steady_clock::now() < give_up) {
    for (auto& socket : flood) {
      if (!socket->Send("x") || socket->ReadUntilClosed(milliseconds(0))) socket.reset();
    }
    std::erase(flood, nullptr);
    for (int i = 0; i < 20 && std::ssize(flood) < sockets; ++i) {  // ~600 new per second
      auto socket = std::make_unique<RawSocket>(port, kAttacker);
      if (socket->connected() && socket->Send("GET / HTTP/1.1\r\nX-Slow: ")) {
        flood.push_back(std::move(socket));
        opened->fetch_add(1);
      }
    }
    std::this_thread::sleep_for(milliseconds(30));  // the attack's pace, not a sync
  }
}

TEST_F(SlowClientTest, ASlowlorisFloodFromOneAddressNeverLocksOutAnother) {
  http::HttpOptions options;
  options.max_connections = 128;  // per address: 32
  options.header_timeout = milliseconds(1000);
  StartServer(options);
  std::atomic<bool> stop{false};
  std::atomic<int> opened{0};
  std::thread attack(Slowloris, port(), 300, std::cref(stop), &opened);
  ASSERT_TRUE(Eventually([&] { return opened.load() >= 100; }));
  int served = 0, late = 0;
  for (int i = 0; i < 30; ++i) {
    bool in_time = false;
    served += PollFromGoodClient(milliseconds(1000), &in_time) == 200;
    late += !in_time;
    std::this_thread::sleep_for(milliseconds(50));  // the poller's pace, not a sync
  }
  stop.store(true);
  attack.join();
  EXPECT_EQ(served, 30) << "every poll from 127.0.0.2 is answered 200";
  EXPECT_EQ(late, 0) << "within 1 s";
  EXPECT_GT(Refused(metrics_, Refusal::kPerAddress), 0u) << "the flood hit its address limit";
  EXPECT_GT(Cut(metrics_, Cutoff::kHeaderTimeout), 0u) << "trickling sockets were cut";
  EXPECT_EQ(Refused(metrics_, Refusal::kMaxConnections), 0u);
}

// Slow readers: clients that request a large body and never read it hold one response and
// their send buffer for write_timeout at most; another address is served meanwhile.
TEST_F(SlowClientTest, ASlowReadFloodFromOneAddressNeverLocksOutAnother) {
  source_.SetBodyPadding(4 * 1024 * 1024);
  http::HttpOptions options;
  options.max_connections = 64;  // per address: 16
  options.write_timeout = milliseconds(500);
  StartServer(options);
  std::vector<std::unique_ptr<RawSocket>> readers;
  for (int i = 0; i < 40; ++i) {  // more than the address may hold: the rest are refused
    auto socket = std::make_unique<RawSocket>(port(), kAttacker, /*receive_buffer=*/1024);
    if (socket->Send("GET /api/v1/celery/workers/status HTTP/1.1\r\nHost: x\r\n\r\n")) {
      readers.push_back(std::move(socket));
    }
  }
  int served = 0, late = 0;
  for (int i = 0; i < 20; ++i) {
    bool in_time = false;
    served += PollFromGoodClient(milliseconds(1000), &in_time) == 200;
    late += !in_time;
  }
  EXPECT_EQ(served, 20);
  EXPECT_EQ(late, 0);
  ASSERT_TRUE(Eventually([&] { return Cut(metrics_, Cutoff::kWriteTimeout) >= 1; }, kBound))
      << "readers that never read are cut at write_timeout";
  EXPECT_GT(Refused(metrics_, Refusal::kPerAddress), 0u);
}

}  // namespace
}  // namespace queuemon::api::hostile
