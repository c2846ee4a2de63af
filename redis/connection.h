#pragma once
// RedisConnection: an asynchronous Redis client on an Asio io_context, for C++20 coroutines.
// Commands are encoded with hiredis' redisFormatCommandArgv and replies decoded with its
// redisReader (the only file that includes hiredis is wire.cc); the socket is Asio's
// (TCP or Unix). No blocking client, no hand-written RESP parser.
//
// - Connects lazily on the first command; AUTH (password, or ACL user + password) and SELECT db
//   from the URL run on every (re)connect.
// - Every call has a deadline (the given one, else options.command_timeout). A call that misses
//   it returns Errc::kTimeout; the connection is then reset (its reply stream is out of step)
//   and the next call reconnects. A broker that is down, slow or blackholed (accepts TCP, never
//   answers) therefore yields an error within the deadline, never a hang.
// - Reconnects wait a capped exponential backoff with jitter after consecutive failures; a call
//   made while backing off fails fast with Errc::kUnavailable, unless another link sharing
//   options.monitor has answered since this one's failed dial began: then the endpoint is
//   back, the backoff is over and the call dials at once. A dial that connects but gets no
//   good reply (blackhole, "-ERR max number of clients") is not "back".
// - With options.monitor set, failed dials, lost links, the retry delay and every good
//   (non-error) reply are reported to it (it logs state changes and feeds /metrics).
// - Calls from several coroutines/threads are serialized on an internal strand and pipelined
//   (requests written in order, replies matched in order). A blocking command (BRPOP) holds
//   the connection for its duration: give blocking work its own RedisConnection.
//
// Thread-safety: all public methods are thread-safe. Destroy only after Close() and after no
// call is in flight.

#include <chrono>
#include <functional>
#include <string_view>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "redis/options.h"
#include "redis/reply.h"

namespace queuemon::redis {

using RedisCommand = std::vector<std::string>;  // binary-safe arguments, e.g. {"LLEN", "q\x06\x163"}
using Deadline = std::chrono::steady_clock::time_point;

struct RedisConnectionStats {
  std::uint64_t connects = 0;       // successful (re)connects
  std::uint64_t connect_failures = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t commands = 0;
  std::uint64_t round_trips = 0;    // Command() and Pipeline() calls sent: one round trip each
};

class RedisConnection final {
 public:
  RedisConnection(boost::asio::any_io_executor executor, RedisOptions options);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // One command. A RESP error reply is returned as a RedisReply of type kError (not an error
  // code): callers decide; transport failures and deadlines are error codes.
  boost::asio::awaitable<boost::system::result<RedisReply>> Command(
      RedisCommand command, std::optional<Deadline> deadline = std::nullopt);

  // Several commands in one write and one round trip; replies in order.
  boost::asio::awaitable<boost::system::result<std::vector<RedisReply>>> Pipeline(
      std::vector<RedisCommand> commands, std::optional<Deadline> deadline = std::nullopt);

  // Closes the socket; calls in flight complete with an error. Idempotent.
  void Close();

  bool connected() const;
  RedisConnectionStats Stats() const;
  const RedisOptions& options() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// RedisSubscriber: one pub/sub connection kept open for the owner's life: PSUBSCRIBEs to
// `patterns`, calls `on_message(channel, payload)` for every pmessage (on the subscriber's
// strand; the handler must be quick and must not throw), and on loss reconnects with backoff
// and resubscribes (a backoff wait ends early when another link sharing options.monitor
// answers; subscriptions confirmed within options.command_timeout are this link's answer).
// `on_state(connected)` reports transitions. A link on which nothing arrives for two
// options.command_timeout intervals (a PING is sent after the first) is taken as dead and
// replaced, so a blackholed or frozen broker is noticed.
class RedisSubscriber final {
 public:
  using MessageHandler = std::function<void(std::string_view channel, std::string_view payload)>;
  using StateHandler = std::function<void(bool connected)>;

  RedisSubscriber(boost::asio::any_io_executor executor, RedisOptions options,
                  std::vector<std::string> patterns, MessageHandler on_message,
                  StateHandler on_state = {});
  ~RedisSubscriber();
  void Start();
  // Idempotent, and asynchronous: the link is closed on the subscriber's strand shortly after;
  // on_state is not called for that close, and no handler runs once the strand has run it.
  void Stop();
  // True while subscribed to every pattern. False from the moment Stop() returns (not only once
  // the strand has closed the link), and never true again after Stop().
  bool connected() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace queuemon::redis
