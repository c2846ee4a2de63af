#pragma once
// Internal to HttpServer (included only by http_server.cc and http_session.cc, the two TUs that
// compile Beast): the state a connection coroutine shares with the server, and the coroutines.
//
// Thread-safety: ServerContext is shared by every connection: its options, router and metrics
// are read-only or atomic; the connection registry is guarded by `mu`. A Connection's stream is
// touched only on the connection's strand.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <set>

#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "daemon/config.h"
#include "daemon/http_metrics.h"
#include "daemon/router.h"

namespace queuemon::daemon::internal {

struct Connection {
  // Puts the socket in non-blocking mode: the session first tries to finish a read or a write
  // synchronously and only then arms a timer and suspends.
  explicit Connection(boost::asio::ip::tcp::socket socket);
  // Its executor is the connection's strand, or the plain io_context executor when the server
  // was told that one thread runs the io_context (HttpOptions::threads == 1).
  boost::beast::tcp_stream stream;
  bool idle = false;                // waiting for the next request; strand-only
  std::string head;                 // the response head being written; reused (capacity kept)
  // The peer, read once at accept: a getpeername() per request showed in the profile.
  std::string client_address;       // "" if it could not be read
  bool client_is_loopback = false;
};

struct ServerContext {
  ServerContext(HttpOptions o, const Router& r, HttpMetrics& m)
      : options(std::move(o)), router(r), metrics(m) {}

  // Registry bookkeeping; Unregister calls on_empty (once armed) when the last one leaves.
  // TryRegister reads `stopping` under the registry's lock: a connection is either registered
  // before BeginShutdown's Snapshot (so it is drained) or refused as shutting down.
  enum class Admission { kRegistered, kAtLimit, kStopping };
  Admission TryRegister(const std::shared_ptr<Connection>& connection);
  void Unregister(const std::shared_ptr<Connection>& connection);
  std::size_t Count() const;
  std::set<std::shared_ptr<Connection>> Snapshot() const;
  // Arms `done` to run when the registry is (or becomes) empty; runs it now if empty.
  void OnEmpty(std::function<void()> done);

  const HttpOptions options;
  const Router& router;
  HttpMetrics& metrics;
  std::atomic<bool> stopping{false};  // set once by BeginShutdown, before its Snapshot
  std::atomic<bool> access_log{false};

 private:
  // The armed on_empty callback once the registry is empty (the caller runs it after
  // releasing the lock: never call out under it); else null.
  std::function<void()> TakeOnEmptyIfDone() REQUIRES(mu);
  mutable base::Mutex mu;
  std::set<std::shared_ptr<Connection>> connections GUARDED_BY(mu);
  std::function<void()> on_empty GUARDED_BY(mu);
};

// Serves one connection until it closes; unregisters it at the end. Never throws.
boost::asio::awaitable<void> RunSession(std::shared_ptr<ServerContext> context,
                                        std::shared_ptr<Connection> connection);
// Answers a connection beyond max_connections (error "too_many_connections"), or one accepted
// while the server stops (`stopping`: error "shutting_down"), with 503 JSON + close. Never throws.
boost::asio::awaitable<void> RefuseConnection(std::shared_ptr<ServerContext> context,
                                              boost::asio::ip::tcp::socket socket, bool stopping);

}  // namespace queuemon::daemon::internal
