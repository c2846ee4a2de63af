#pragma once
// Internal to HttpServer (included only by server.cc, session.cc and server_context.cc, the TUs that
// compile Beast): the state a connection coroutine shares with the server, and the coroutines.
//
// Thread-safety: ServerContext is shared by every connection: its options, router and metrics
// are read-only or atomic; the connection registry is guarded by `mu`. A Connection's stream is
// touched only on the connection's strand.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstddef>
#include <functional>
#include <memory>
#include <map>
#include <set>

#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "http/options.h"
#include "http/metrics.h"
#include "http/router.h"

namespace queuemon::http::internal {

// Now as an idle_since value: steady-clock ticks, never 0 (0 means "busy").
inline std::int64_t IdleStamp() {
  return std::max<std::int64_t>(1, std::chrono::steady_clock::now().time_since_epoch().count());
}

struct Connection {
  // Puts the socket in non-blocking mode: the session first tries to finish a read or a write
  // synchronously and only then arms a timer and suspends.
  explicit Connection(boost::asio::ip::tcp::socket socket);
  // Its executor is the connection's strand, or the plain io_context executor when the server
  // was told that one thread runs the io_context (HttpOptions::threads == 1).
  boost::beast::tcp_stream stream;
  // No request in progress (a new connection, or keep-alive between requests): the steady-clock
  // tick count since when, 0 from a request's first byte until its response is written. Set
  // on the strand, read by the registry to pick the oldest idle connection to evict.
  std::atomic<std::int64_t> idle_since{IdleStamp()};
  // Chosen for eviction at the cap: it closes once no request of its own is pending.
  std::atomic<bool> evicted{false};
  std::string head;                 // the response head being written; reused (capacity kept)
  // The peer, read once at accept: a getpeername() per request showed in the profile.
  std::string client_address;       // "" if it could not be read
  bool client_is_loopback = false;
  const std::chrono::steady_clock::time_point accepted_at = std::chrono::steady_clock::now();

  bool idle() const { return idle_since.load(std::memory_order_relaxed) != 0; }
};

struct ServerContext {
  ServerContext(HttpOptions o, const Router& r, HttpMetrics& m)
      : options(std::move(o)), router(r), metrics(m) {}

  // Registry bookkeeping; Unregister calls on_empty (once armed) when the last one leaves.
  // TryRegister reads `stopping` under the registry's lock: a connection is either registered
  // before BeginShutdown's Connections() (so it is drained) or refused as shutting down. Beyond
  // options.PerAddressLimit() connections from its address (trusted proxies exempt) it is
  // refused; at max_connections the oldest idle connection is evicted to make room (`evicted`
  // in the answer: the caller wakes it on its strand), and only if none is idle is it refused.
  struct Admission {
    enum class Kind { kRegistered, kRefused } kind = Kind::kRegistered;
    Refusal refusal = Refusal::kMaxConnections;  // kRefused only
    std::shared_ptr<Connection> evicted;         // kRegistered: the idle one to close, or null
  };
  Admission TryRegister(const std::shared_ptr<Connection>& connection);
  void Unregister(const std::shared_ptr<Connection>& connection);
  std::size_t Count() const;
  std::set<std::shared_ptr<Connection>> Connections() const;
  // Arms `done` to run when the registry is (or becomes) empty; runs it now if empty.
  void OnEmpty(std::function<void()> done);

  const HttpOptions options;
  const Router& router;
  HttpMetrics& metrics;
  std::atomic<bool> stopping{false};  // set once by BeginShutdown, before its Connections()
  std::atomic<bool> access_log{false};

 private:
  // The armed on_empty callback once the registry is empty (the caller runs it after
  // releasing the lock: never call out under it); else null.
  std::function<void()> TakeOnEmptyIfDone() REQUIRES(mu);
  bool Limited(const Connection& connection) const;
  std::shared_ptr<Connection> OldestIdle() const REQUIRES(mu);

  mutable base::Mutex mu;
  std::set<std::shared_ptr<Connection>> connections GUARDED_BY(mu);
  std::size_t live GUARDED_BY(mu) = 0;  // connections not evicted: what max_connections caps
  std::map<std::string, std::size_t> per_address GUARDED_BY(mu);  // of limited connections
  std::function<void()> on_empty GUARDED_BY(mu);
};

// Serves one connection until it closes; unregisters it at the end. Never throws.
boost::asio::awaitable<void> RunSession(std::shared_ptr<ServerContext> context,
                                        std::shared_ptr<Connection> connection);
// Answers a refused connection with 503 JSON and closes it: beyond max_connections with none
// idle ("too_many_connections") or while the server stops ("shutting_down"), with a lingering
// close so the client reads the answer; beyond the per-address limit
// ("too_many_connections_from_address") cheaply: one non-blocking write, then close, so that a
// flood from one address costs no timers. Counts the refusal. Never throws.
boost::asio::awaitable<void> RefuseConnection(std::shared_ptr<ServerContext> context,
                                              boost::asio::ip::tcp::socket socket, Refusal why);

}  // namespace queuemon::http::internal
