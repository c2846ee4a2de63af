#include "redis/link.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <string>

#include "redis/errors.h"

namespace queuemon::redis {
namespace {

namespace asio = boost::asio;
using asio::generic::stream_protocol;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// State shared by a dial and its watchdog timer; the watchdog closes the socket at the deadline,
// which aborts whatever operation is pending (resolve cannot be interrupted, but is abandoned).
struct Dial {
  Dial(asio::any_io_executor executor, std::size_t max_reply_bytes)
      : link(std::make_shared<RedisLink>(executor, max_reply_bytes)),
        resolver(executor),
        watchdog(executor) {}
  std::shared_ptr<RedisLink> link;
  asio::ip::tcp::resolver resolver;
  asio::steady_timer watchdog;
  bool finished = false;
  bool timed_out = false;
};

void ArmWatchdog(const std::shared_ptr<Dial>& dial,
                 std::chrono::steady_clock::time_point deadline) {
  dial->watchdog.expires_at(deadline);
  dial->watchdog.async_wait([dial](boost::system::error_code ec) {
    if (ec || dial->finished) return;
    dial->timed_out = true;
    dial->resolver.cancel();
    boost::system::error_code ignored;
    dial->link->socket.close(ignored);
  });
}

asio::awaitable<boost::system::error_code> ConnectTcp(Dial& dial, const RedisUrl& url) {
  auto [ec, endpoints] =
      co_await dial.resolver.async_resolve(url.host, std::to_string(url.port), kAwait);
  if (ec) co_return ec;
  for (const auto& entry : endpoints) {
    if (dial.timed_out) break;
    boost::system::error_code ignored;
    dial.link->socket.close(ignored);
    std::tie(ec) = co_await dial.link->socket.async_connect(
        stream_protocol::endpoint(entry.endpoint()), kAwait);
    if (!ec) {
      dial.link->socket.set_option(asio::ip::tcp::no_delay(true), ignored);
      dial.link->socket.set_option(asio::socket_base::keep_alive(true), ignored);
      co_return ec;
    }
  }
  co_return ec ? ec : asio::error::host_not_found;
}

asio::awaitable<boost::system::error_code> ConnectUnix(Dial& dial, const RedisUrl& url) {
  auto [ec] = co_await dial.link->socket.async_connect(
      stream_protocol::endpoint(asio::local::stream_protocol::endpoint(url.socket_path)), kAwait);
  co_return ec;
}

std::vector<std::vector<std::string>> HandshakeCommands(const RedisUrl& url) {
  std::vector<std::vector<std::string>> commands;
  if (!url.password.empty()) {
    if (url.user.empty()) {
      commands.push_back({"AUTH", url.password});
    } else {
      commands.push_back({"AUTH", url.user, url.password});
    }
  }
  if (url.db != 0) commands.push_back({"SELECT", std::to_string(url.db)});
  return commands;
}

// Sends AUTH/SELECT and checks every answer. Transport errors come back as kUnavailable.
asio::awaitable<boost::system::error_code> Handshake(RedisLink& link, const RedisUrl& url) {
  const auto commands = HandshakeCommands(url);
  if (commands.empty()) co_return boost::system::error_code();
  std::string request;
  for (const auto& command : commands) request += EncodeRedisCommand(command);
  auto [ec, written] = co_await asio::async_write(link.socket, asio::buffer(request), kAwait);
  if (ec) co_return MakeErrorCode(Errc::kUnavailable);
  for (std::size_t i = 0; i < commands.size(); ++i) {
    auto reply = co_await ReadRedisReply(link);
    if (!reply) co_return reply.error();
    if (reply->is_error()) co_return MakeErrorCode(Errc::kAuthFailed);
  }
  co_return boost::system::error_code();
}

}  // namespace

asio::awaitable<boost::system::result<RedisReply>> ReadRedisReply(RedisLink& link) {
  std::vector<char>& buffer = link.read_buffer;
  for (;;) {
    auto next = link.decoder.Next();
    if (!next) co_return next.error();
    if (*next) co_return std::move(**next);
    auto [ec, n] = co_await link.socket.async_read_some(asio::buffer(buffer), kAwait);
    if (ec) co_return MakeErrorCode(Errc::kUnavailable);
    if (auto fed = link.decoder.Feed(std::string_view(buffer.data(), n)); !fed) {
      co_return fed.error();
    }
  }
}

asio::awaitable<boost::system::result<std::shared_ptr<RedisLink>>> OpenRedisLink(
    asio::any_io_executor executor, const RedisUrl& url, std::size_t max_reply_bytes,
    std::chrono::steady_clock::time_point deadline) {
  auto dial = std::make_shared<Dial>(executor, max_reply_bytes);
  ArmWatchdog(dial, deadline);
  boost::system::error_code ec;
  if (url.transport == RedisUrl::Transport::kTcp) {
    ec = co_await ConnectTcp(*dial, url);
  } else {
    ec = co_await ConnectUnix(*dial, url);
  }
  if (!ec && !dial->timed_out) ec = co_await Handshake(*dial->link, url);
  dial->finished = true;
  dial->watchdog.cancel();
  if (dial->timed_out) co_return MakeErrorCode(Errc::kTimeout);
  if (ec == Errc::kAuthFailed || ec == Errc::kProtocol) co_return ec;
  if (ec) co_return MakeErrorCode(Errc::kUnavailable);
  co_return dial->link;
}

}  // namespace queuemon::redis
