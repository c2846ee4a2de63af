// The listener and the server's lifecycle (Listen, Start, graceful drain). Connections are
// served by the coroutine in session.cc.
#include "http/server.h"

#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include "http/listen_address.h"
#include "http/session.h"

namespace queuemon::http {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using internal::Connection;
using internal::ServerContext;

// Most connections taken from the backlog per turn of the accept loop (see AcceptLoop).
constexpr int kAcceptBurst = 64;

tcp::endpoint ListenEndpoint(const std::string& listen) {
  std::string why;
  const auto endpoint = ParseListenAddress(listen, &why);
  if (!endpoint) throw std::runtime_error("http.listen '" + listen + "': " + why);
  return *endpoint;
}

}  // namespace

struct HttpServer::Impl {
  Impl(asio::io_context& io, HttpOptions options, const Router& router, HttpMetrics& metrics)
      : ioc(io), acceptor(asio::make_strand(io)),
        context(std::make_shared<ServerContext>(std::move(options), router, metrics)),
        drain_timer(io) {}

  asio::awaitable<void> AcceptLoop();
  void Admit(tcp::socket socket);  // starts its session, or refuses it (limit, stopping)
  void CloseAll();
  // A strand per connection, unless one thread runs the io_context: then every handler is
  // already serialised and a strand only costs (type erasure, a dispatch per completion).
  asio::any_io_executor ConnectionExecutor() {
    if (context->options.threads == 1) return ioc.get_executor();
    return asio::make_strand(ioc);
  }

  asio::io_context& ioc;
  tcp::acceptor acceptor;
  std::shared_ptr<ServerContext> context;
  asio::steady_timer drain_timer;
  std::uint16_t port = 0;
};

asio::awaitable<void> HttpServer::Impl::AcceptLoop() {
  asio::steady_timer backoff(acceptor.get_executor());
  while (!context->stopping.load()) {
    auto [ec, socket] = co_await acceptor.async_accept(
        ConnectionExecutor(), asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
    if (ec) {
      // E.g. EMFILE: back off briefly instead of spinning on the error.
      spdlog::warn("http: accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    Admit(std::move(socket));
    // One async_accept takes one connection per turn of the reactor, behind every ready
    // session; with 1000 busy keep-alive connections a backlog of new ones then waited tens of
    // seconds (found by scripts/soak.sh). Take what the backlog holds now, up to a burst.
    for (int i = 1; i < kAcceptBurst && !context->stopping.load(); ++i) {
      tcp::socket more(ConnectionExecutor());
      boost::system::error_code more_ec;
      acceptor.accept(more, more_ec);  // non-blocking acceptor: would_block ends the burst
      if (more_ec) break;
      Admit(std::move(more));
    }
  }
}

void HttpServer::Impl::Admit(tcp::socket socket) {
  auto executor = socket.get_executor();
  auto connection = std::make_shared<Connection>(std::move(socket));
  auto admission = context->TryRegister(connection);
  if (admission.kind == internal::ServerContext::Admission::Kind::kRefused) {
    asio::co_spawn(executor,
                   internal::RefuseConnection(context, std::move(connection->stream.socket()),
                                              admission.refusal),
                   asio::detached);
    return;
  }
  if (auto victim = std::move(admission.evicted)) {
    // Wake its wait for a request on its own strand; one that meanwhile received a request
    // answers it first and then closes (the session checks `evicted`).
    context->metrics.ConnectionCut(Cutoff::kIdleEvicted);
    asio::post(victim->stream.get_executor(), [victim] {
      if (victim->idle()) victim->stream.cancel();
    });
  }
  asio::co_spawn(executor, internal::RunSession(context, connection), asio::detached);
}

void HttpServer::Impl::CloseAll() {
  for (const auto& connection : context->Connections()) {
    asio::post(connection->stream.get_executor(), [connection] {
      boost::system::error_code ignored;
      connection->stream.socket().close(ignored);
    });
  }
}

HttpServer::HttpServer(asio::io_context& ioc, HttpOptions options, const Router& router,
                       HttpMetrics& metrics)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), router, metrics)) {}

HttpServer::~HttpServer() = default;

void HttpServer::Listen() {
  const std::string& listen = impl_->context->options.listen;
  const tcp::endpoint endpoint = ListenEndpoint(listen);
  boost::system::error_code ec;
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) acceptor.non_blocking(true, ec);  // for the accept burst of AcceptLoop
  if (ec) {
    throw std::runtime_error("http.listen '" + listen + "': cannot listen: " + ec.message());
  }
  impl_->port = acceptor.local_endpoint(ec).port();
  spdlog::info("http: listening on {} (port {})", listen, impl_->port);
}

std::uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::Start() {
  auto impl = impl_;
  asio::co_spawn(impl->acceptor.get_executor(),
                 [impl]() -> asio::awaitable<void> { co_await impl->AcceptLoop(); },
                 asio::detached);
}

void HttpServer::BeginShutdown(std::function<void()> done) {
  auto impl = impl_;
  impl->context->stopping.store(true);
  asio::post(impl->acceptor.get_executor(), [impl] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
  });
  // Idle keep-alive connections are woken (their wait is cancelled) and close; busy ones
  // finish their response and then close because `stopping` is set.
  for (const auto& connection : impl->context->Connections()) {
    asio::post(connection->stream.get_executor(), [connection] {
      if (connection->idle()) connection->stream.cancel();
    });
  }
  impl->drain_timer.expires_after(impl->context->options.drain_timeout);
  impl->drain_timer.async_wait([impl](boost::system::error_code ec) {
    if (ec) return;  // drained before the deadline
    spdlog::warn("http: drain deadline passed; closing {} connection(s)",
                 impl->context->Count());
    impl->CloseAll();
  });
  impl->context->OnEmpty([impl, done = std::move(done)] {
    asio::post(impl->ioc, [impl] { impl->drain_timer.cancel(); });
    if (done) done();
  });
}

std::size_t HttpServer::connections() const { return impl_->context->Count(); }

std::size_t HttpServer::idle_connections() const {
  std::size_t idle = 0;
  for (const auto& connection : impl_->context->Connections()) {
    idle += connection->idle() && !connection->evicted.load();
  }
  return idle;
}

void HttpServer::SetAccessLog(bool on) { impl_->context->access_log.store(on); }

}  // namespace queuemon::http
