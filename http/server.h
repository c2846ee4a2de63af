#pragma once
// HttpServer: Beast HTTP/1.1 server with one C++20 coroutine per connection. Requests on a
// connection are read, answered and written one at a time in order (keep-alive; pipelining-safe).
// Limits are HttpOptions values: header bytes (431), body bytes (413), requests per connection,
// header timeout (request line + headers), read timeout (one whole request), idle timeout
// (keep-alive wait), write timeout, connections per client address (beyond it a cheap 503 +
// close; trusted proxies exempt) and max connections (at the cap the longest-idle connection
// is closed to admit a new one; with none idle the newcomer gets 503 + close). Refusals and
// cutoffs are counted by reason in HttpMetrics. Malformed requests get 400 JSON.
//
// Lifecycle (all on the caller's io_context, which the daemon owns and runs with N threads):
//   HttpServer server(ioc, options, api.router(), metrics);
//   server.Listen();            // bind + listen; throws std::runtime_error naming the address
//   server.Start();             // starts accepting (needs ioc running to make progress)
//   server.BeginShutdown(done); // closes the acceptor, closes idle keep-alive connections,
//                               // lets in-flight requests finish (one whose bytes already
//                               // arrived counts) and closes their connections;
//                               // after drain_timeout closes whatever is left; then calls
//                               // `done` once (on an io_context thread). Never ioc.stop().
// After `done` the daemon may stop its io_context and destroy the server.
//
// options.threads == 1 is a promise that exactly one thread runs the io_context: connections then
// run on the io_context's executor without a strand. Any other value gives each connection a
// strand.
//
// Ownership: borrows the io_context, Router and HttpMetrics (they must outlive the server).
// Thread-safety: Listen/Start once from the owner's thread; BeginShutdown from any thread, once.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/options.h"
#include "http/metrics.h"
#include "http/router.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace queuemon::http {

class HttpServer final {
 public:
  HttpServer(boost::asio::io_context& ioc, HttpOptions options, const Router& router,
             HttpMetrics& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds options.listen ("host:port", "[v6]:port"; port 0 = any free port). Throws
  // std::runtime_error with the address and the reason (startup error plane).
  void Listen();
  // The bound port (after Listen).
  std::uint16_t port() const;
  void Start();
  void BeginShutdown(std::function<void()> done);
  std::size_t connections() const;
  // Connections with no request in progress and not yet evicted (evictable at the cap).
  std::size_t idle_connections() const;
  // One spdlog line per request (client, method, target, status, seconds) when on (the
  // log.access_log option; off by default because it is the hot path). Any thread, any time.
  void SetAccessLog(bool on);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace queuemon::http
