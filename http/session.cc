// The connection coroutine: read one request, route it, await its handler, write the response,
// repeat while keep-alive. One request at a time per connection keeps pipelined responses in
// order. Everything Beast-specific of serving lives here and in server.cc.
#include "http/session.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <optional>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include "http/negotiation.h"
#include "http/response.h"
#include "http/response_head.h"

namespace queuemon::http::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
using Parser = http::request_parser<http::string_body>;

Method ToMethod(http::verb verb) {
  switch (verb) {
    case http::verb::get: return Method::kGet;
    case http::verb::head: return Method::kHead;
    case http::verb::post: return Method::kPost;
    case http::verb::put: return Method::kPut;
    case http::verb::delete_: return Method::kDelete;
    case http::verb::patch: return Method::kPatch;
    case http::verb::options: return Method::kOptions;
    default: return Method::kOther;
  }
}

Request ToRequest(const http::request<http::string_body>& message, Connection& connection) {
  Request request;
  request.method = ToMethod(message.method());
  request.target = std::string(message.target());
  request.if_none_match = std::string(message[http::field::if_none_match]);
  request.authorization = std::string(message[http::field::authorization]);
  request.client_address = connection.client_address;
  request.client_is_loopback = connection.client_is_loopback;
  request.body = message.body();
  request.accepts_html = AcceptsHtml(message[http::field::accept]);
  request.accepts_gzip = AcceptsEncoding(message[http::field::accept_encoding], "gzip");
  return request;
}

// The answer to a failed read, or nullopt when the connection should just close.
std::optional<Response> ReadErrorResponse(const error_code& ec) {
  if (ec == http::error::header_limit) {
    return JsonError(431, "request_header_fields_too_large", "request headers exceed the limit");
  }
  if (ec == http::error::body_limit) {
    return JsonError(413, "payload_too_large", "request body exceeds the limit");
  }
  // beast::tcp_stream closes the socket when the read timeout fires, so a timed-out request
  // (slowloris, or a silent client) is cut off with a plain close: no 408 can be written.
  if (ec == beast::error::timeout) return std::nullopt;
  if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return JsonError(400, "bad_request", "malformed HTTP request: " + ec.message());
  }
  return std::nullopt;
}

// True when request bytes have reached the socket but were not read yet. During a drain such
// a request is in flight (the client sent it before the drain began) and is answered, with
// Connection: close; only a connection with nothing pending is closed unanswered.
bool RequestPending(Connection& connection) {
  error_code ec;
  const std::size_t bytes = connection.stream.socket().available(ec);
  return !ec && bytes > 0;
}

bool WouldBlock(const error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

// Waits for the first byte of a request: of the first one within the header budget of the
// accept, of a later one within idle_timeout. Marks the connection idle meanwhile, so that a
// drain or an eviction can wake and close it; bytes that arrived anyway are read (a request in
// flight is never cut off). Returns the error that ends the connection, or none.
asio::awaitable<error_code> AwaitFirstByte(ServerContext& context, Connection& connection,
                                           beast::flat_buffer& buffer, bool first,
                                           std::chrono::steady_clock::time_point header_deadline) {
  const auto closing = [&] {
    return (context.stopping.load() || connection.evicted.load()) && !RequestPending(connection);
  };
  if (closing()) co_return asio::error::operation_aborted;
  if (!connection.idle()) connection.idle_since.store(IdleStamp());  // else: since its response
  if (first) {
    connection.stream.expires_at(header_deadline);
  } else {
    connection.stream.expires_after(context.options.idle_timeout);
  }
  auto [ec, n] = co_await connection.stream.async_read_some(buffer.prepare(4096), kTuple);
  // A drain or an eviction cancelled the wait, but bytes had already arrived: read them.
  if (ec == asio::error::operation_aborted && !closing()) {
    std::tie(ec, n) = co_await connection.stream.async_read_some(buffer.prepare(4096), kTuple);
  }
  if (ec == beast::error::timeout && first) context.metrics.ConnectionCut(Cutoff::kHeaderTimeout);
  if (!ec) buffer.commit(n);
  co_return ec;
}

// Reads one request. Two deadlines, counted from the accept for a connection's first request
// and from its first byte for later ones: the request line and headers within header_timeout
// (slowloris: trickling header bytes holds a slot that long at most), the whole request within
// read_timeout. A request usually arrives whole with its first bytes, so it is first parsed
// synchronously from what the non-blocking socket already holds; only the rest of a partial
// one arms a deadline and suspends.
asio::awaitable<error_code> ReadRequest(ServerContext& context, Connection& connection,
                                        beast::flat_buffer& buffer, Parser& parser, bool first) {
  const auto& options = context.options;
  const auto header_budget = std::min(options.header_timeout, options.read_timeout);
  if (buffer.size() == 0) {
    const auto header_deadline = connection.accepted_at + header_budget;  // used if `first`
    if (auto ec = co_await AwaitFirstByte(context, connection, buffer, first, header_deadline)) {
      co_return ec;
    }
  }
  connection.idle_since.store(0);  // a request is in progress: never evicted
  error_code ec;
  http::read(connection.stream.socket(), buffer, parser, ec);
  if (!WouldBlock(ec)) co_return ec;
  // Only a partial request reads the clock (a whole one, the common case, never does): for a
  // later request its deadlines count from about now, a few microseconds after its first byte.
  const auto start = first ? connection.accepted_at : std::chrono::steady_clock::now();
  if (!parser.is_header_done()) {
    connection.stream.expires_at(start + header_budget);
    auto [header_ec, n] = co_await http::async_read_header(connection.stream, buffer, parser, kTuple);
    if (header_ec == beast::error::timeout) context.metrics.ConnectionCut(Cutoff::kHeaderTimeout);
    if (header_ec || parser.is_done()) co_return header_ec;
  }
  connection.stream.expires_at(start + options.read_timeout);
  auto [body_ec, n] = co_await http::async_read(connection.stream, buffer, parser, kTuple);
  if (body_ec == beast::error::timeout) context.metrics.ConnectionCut(Cutoff::kReadTimeout);
  co_return body_ec;
}

asio::awaitable<Response> Dispatch(ServerContext& context, const Request& request) {
  auto routed = context.router.Route(request.method, request.target);
  if (auto* error = std::get_if<Response>(&routed)) co_return std::move(*error);
  auto& match = std::get<Router::Match>(routed);
  try {
    co_return co_await (*match.handler)(request, match.params);
  } catch (const std::exception& e) {
    co_return JsonError(500, "internal_error", e.what());
  }
}

// Sends head and body with one gather write. Most responses fit in the socket's send buffer,
// so the first attempt is a synchronous write on the non-blocking socket: no timer, no
// suspension. Only what remains is written asynchronously under write_timeout.
asio::awaitable<error_code> Write(ServerContext& context, Connection& connection,
                                  const Response& response, unsigned version, bool keep_alive,
                                  bool head) {
  std::string& out = connection.head;
  out.clear();
  AppendResponseHead(out, response, version, keep_alive);
  std::string_view body = response.Body();
  if (head || StatusHasNoBody(response.status)) body = {};
  std::array<asio::const_buffer, 2> buffers{asio::buffer(out), asio::buffer(body)};
  error_code ec;
  std::size_t sent = connection.stream.socket().write_some(buffers, ec);
  if (!ec && sent == out.size() + body.size()) co_return ec;
  if (ec && !WouldBlock(ec)) co_return ec;
  if (ec) sent = 0;
  if (sent < out.size()) {
    buffers[0] += sent;
  } else {
    buffers[0] = {};
    buffers[1] += sent - out.size();
  }
  // A client that does not read its response holds one response (shared with the cache) and
  // the socket's send buffer, never more, and for write_timeout at most.
  connection.stream.expires_after(context.options.write_timeout);
  auto [async_ec, n] = co_await asio::async_write(connection.stream, buffers, kTuple);
  connection.stream.expires_never();
  if (async_ec == beast::error::timeout) context.metrics.ConnectionCut(Cutoff::kWriteTimeout);
  co_return async_ec;
}

// Closes after sending FIN and briefly draining what the client still sends: closing a socket
// with unread data resets the connection, which can destroy the last response before the
// client has read it.
asio::awaitable<void> LingerClose(Connection& connection) {
  error_code ignored;
  connection.stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  connection.stream.expires_after(std::chrono::seconds(1));
  char sink[1024];
  for (int i = 0; i < 64; ++i) {
    auto [ec, n] = co_await connection.stream.async_read_some(asio::buffer(sink), kTuple);
    if (ec) break;
  }
  connection.stream.socket().close(ignored);
}

// One request/response exchange. Returns false when the connection must close.
asio::awaitable<bool> ServeOne(ServerContext& context, Connection& connection,
                               beast::flat_buffer& buffer, std::size_t served) {
  Parser parser;
  parser.header_limit(static_cast<std::uint32_t>(context.options.max_header_bytes));
  parser.body_limit(context.options.max_body_bytes);
  const error_code read_ec = co_await ReadRequest(context, connection, buffer, parser, served == 0);
  if (read_ec) {
    if (auto error = ReadErrorResponse(read_ec)) {
      co_await Write(context, connection, *error, 11, false, false);
      context.metrics.Record(error->status, 0);
    }
    co_return false;
  }
  const auto started = std::chrono::steady_clock::now();
  const auto& message = parser.get();
  const Request request = ToRequest(message, connection);
  const Response response = co_await Dispatch(context, request);
  const std::size_t limit = context.options.max_requests_per_connection;
  const bool keep_alive = message.keep_alive() && !context.stopping.load() &&
                          !connection.evicted.load() && (limit == 0 || served + 1 < limit);
  const error_code write_ec = co_await Write(context, connection, response, message.version(),
                                            keep_alive, request.method == Method::kHead);
  if (keep_alive) connection.idle_since.store(IdleStamp());  // until the next request's bytes
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  context.metrics.Record(response.status, seconds);
  if (context.access_log.load(std::memory_order_relaxed)) {
    spdlog::info("http: {} {} {} {} {:.6f}s", request.client_address, MethodName(request.method),
                 request.target, response.status, seconds);
  }
  co_return !write_ec && keep_alive;
}

}  // namespace

Connection::Connection(asio::ip::tcp::socket socket) : stream(std::move(socket)) {
  error_code ec;
  stream.socket().non_blocking(true, ec);
  const auto remote = stream.socket().remote_endpoint(ec);
  if (!ec) {
    client_address = remote.address().to_string();
    client_is_loopback = IsLoopbackAddress(client_address);
  }
}

asio::awaitable<void> RunSession(std::shared_ptr<ServerContext> context,
                                 std::shared_ptr<Connection> connection) {
  context->metrics.ConnectionOpened();
  try {
    beast::flat_buffer buffer;
    for (std::size_t served = 0;; ++served) {
      if (!co_await ServeOne(*context, *connection, buffer, served)) break;
    }
    co_await LingerClose(*connection);
  } catch (...) {
    // Nothing may escape an Asio handler; the connection just closes.
  }
  context->metrics.ConnectionClosed();
  context->Unregister(connection);
}

asio::awaitable<void> RefuseConnection(std::shared_ptr<ServerContext> context,
                                       asio::ip::tcp::socket socket, Refusal why) {
  context->metrics.ConnectionRefused(why);
  try {
    Connection connection(std::move(socket));
    Response refusal =
        why == Refusal::kShuttingDown
            ? JsonError(503, "shutting_down", "the server is shutting down; retry later")
        : why == Refusal::kPerAddress
            ? JsonError(503, "too_many_connections_from_address",
                        "this client address holds http.max_connections_per_address "
                        "connections already; retry later")
            : JsonError(503, "too_many_connections",
                        "the server is at its connection limit; retry later");
    refusal.SetHeader("Retry-After", "1");
    if (why == Refusal::kPerAddress) {
      std::string& head = connection.head;
      AppendResponseHead(head, refusal, 11, false);
      std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(refusal.Body())};
      error_code ignored;
      connection.stream.socket().write_some(buffers, ignored);  // non-blocking: all or part
      connection.stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      connection.stream.socket().close(ignored);
      co_return;
    }
    co_await Write(*context, connection, refusal, 11, false, false);
    co_await LingerClose(connection);
  } catch (...) {
  }
}

}  // namespace queuemon::http::internal
