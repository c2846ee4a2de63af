// DelayingProxy: one io_context thread. Each accepted connection becomes a Session with two
// pumps: client -> server (passed on at once) and server -> client (each chunk waits on the
// session's timer first). The first pump to end closes both sockets and cancels the timer, so
// the other ends too.
#include "tests/testing/delaying_proxy.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <array>
#include <stdexcept>
#include <thread>

namespace queuemon::testing {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

struct Session {
  explicit Session(asio::io_context& io) : client(io), server(io), timer(io) {}
  void Close() {
    boost::system::error_code ignored;
    client.close(ignored);
    server.close(ignored);
    timer.cancel();
  }
  tcp::socket client;
  tcp::socket server;
  asio::steady_timer timer;
};

}  // namespace

struct DelayingProxy::Impl {
  Impl(std::uint16_t upstream, std::chrono::milliseconds initial)
      : upstream_port(upstream), acceptor(io), delay_ms(initial.count()) {}

  asio::awaitable<void> Accept();
  asio::awaitable<void> Pump(std::shared_ptr<Session> session, bool to_client);

  const std::uint16_t upstream_port;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::atomic<std::int64_t> delay_ms;
  std::atomic<std::uint64_t> accepted{0};
  std::thread thread;
};

asio::awaitable<void> DelayingProxy::Impl::Accept() {
  for (;;) {
    auto session = std::make_shared<Session>(io);
    auto [ec] = co_await acceptor.async_accept(session->client, kAwait);
    if (ec) co_return;  // closed by the destructor
    ++accepted;
    const tcp::endpoint target(asio::ip::address_v4::loopback(), upstream_port);
    auto [connect_ec] = co_await session->server.async_connect(target, kAwait);
    if (connect_ec) {
      session->Close();  // the server is down: the client sees the connection closed
      continue;
    }
    asio::co_spawn(io, Pump(session, false), asio::detached);
    asio::co_spawn(io, Pump(session, true), asio::detached);
  }
}

asio::awaitable<void> DelayingProxy::Impl::Pump(std::shared_ptr<Session> session, bool to_client) {
  tcp::socket& from = to_client ? session->server : session->client;
  tcp::socket& to = to_client ? session->client : session->server;
  std::array<char, 16 * 1024> buffer;
  for (;;) {
    auto [read_ec, n] = co_await from.async_read_some(asio::buffer(buffer), kAwait);
    if (read_ec) break;
    if (to_client) {
      const auto delay = std::chrono::milliseconds(delay_ms.load());
      if (delay.count() > 0) {
        session->timer.expires_after(delay);
        auto [timer_ec] = co_await session->timer.async_wait(kAwait);
        if (timer_ec || !to.is_open()) break;  // cancelled: the session is closing
      }
    }
    auto [write_ec, written] = co_await asio::async_write(to, asio::buffer(buffer.data(), n), kAwait);
    if (write_ec) break;
  }
  session->Close();
}

DelayingProxy::DelayingProxy(std::uint16_t upstream_port, std::chrono::milliseconds delay)
    : impl_(std::make_unique<Impl>(upstream_port, delay)) {
  boost::system::error_code ec;
  const tcp::endpoint local(asio::ip::address_v4::loopback(), 0);
  impl_->acceptor.open(local.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(local, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("DelayingProxy: cannot listen on 127.0.0.1: " + ec.message());
  port_ = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->Accept(), asio::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

DelayingProxy::~DelayingProxy() {
  impl_->io.stop();
  impl_->thread.join();
  // Destroying the io_context (with Impl) destroys the suspended pumps and closes their sockets.
}

void DelayingProxy::SetDelay(std::chrono::milliseconds delay) { impl_->delay_ms = delay.count(); }

std::chrono::milliseconds DelayingProxy::delay() const {
  return std::chrono::milliseconds(impl_->delay_ms.load());
}

std::string DelayingProxy::url(int db) const {
  return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
}

std::uint64_t DelayingProxy::connections() const { return impl_->accepted.load(); }

}  // namespace queuemon::testing
