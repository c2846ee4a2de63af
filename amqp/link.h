#pragma once
// AmqpLink: one AMQP 0-9-1 connection for C++20 coroutines, driven by rabbitmq-c (Debian's
// librabbitmq 0.11) on a thread of its own, so no io_context thread ever blocks on it:
// rabbitmq-c is a blocking library whose heartbeats advance only inside its calls, and it is
// not thread-safe, so exactly one thread (the link's) touches the connection.
//
// - Connects at Start(), then keeps the connection: the consumers registered before Start()
//   (AddConsumer) are declared, bound and consumed on every (re)connect. Their queues are
//   exclusive and auto-delete, with message TTL and expiry, so nothing piles up on the broker
//   when this process dies (RabbitMQ 4 refuses transient non-exclusive queues anyway).
// - Calls (Publish, DeclarePassive, Ping) are posted to the link's thread and awaited by the
//   caller on a timer until its deadline: a call that misses it returns Errc::kTimeout whatever
//   the link is doing. A blackholed broker holds the thread for at most connect_timeout (dial,
//   handshake) or command_timeout (each RPC); writes the peer stops acknowledging fail after
//   TCP_USER_TIMEOUT = max(2 heartbeats, command_timeout); only name resolution (the system
//   resolver, before the dial) is unbounded here. While the link backs off after failures,
//   calls fail fast with kUnavailable (kAuthFailed when the broker refused the login).
// - Lost connections (EOF, socket error, a missed heartbeat, an RPC past command_timeout, a
//   closed consumer channel) are redialled after the same capped exponential backoff with
//   jitter as the Redis links; options.monitor hears every failure and answer.
// - Between calls the thread sleeps in poll() on the socket and a wake-up eventfd, at most a
//   quarter of the heartbeat, and reads what arrived with zero-timeout frame reads (which also
//   send heartbeats when due). Deliveries are assembled from their frames (method, header,
//   body) and handed to the consumer's callback on the link's thread.
//
// Thread-safety: all public methods are thread-safe; consumer callbacks and the state listener
// run on the link's thread and must be quick and thread-safe. Destroying the link closes it and
// joins its thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "amqp/options.h"

namespace queuemon::amqp {

using Deadline = std::chrono::steady_clock::time_point;

struct AmqpMessage {
  std::string exchange;
  std::string routing_key;
  std::string body;
  std::string content_type;
  std::map<std::string, std::string> headers;  // the string-valued application headers
};

// An exchange declared as its owner declares it (a mismatch would close the channel).
struct ExchangeSpec {
  std::string name;
  std::string type = "direct";
  bool durable = false;
  bool auto_delete = false;
};

struct ConsumerSpec {
  ExchangeSpec exchange;  // declared before the binding
  std::string queue;      // exclusive, auto-delete
  std::string binding_key;
  std::chrono::milliseconds message_ttl{0};  // x-message-ttl (0: none)
  std::chrono::milliseconds expires{0};      // x-expires (0: none)
  std::function<void(AmqpMessage)> on_message;  // on the link's thread
};

struct PublishSpec {
  ExchangeSpec exchange;  // declared first: the declare-ok proves the broker alive
  std::vector<std::string> routing_keys_bodies;  // pairs: routing key, body, routing key, ...
  std::string content_type = "application/json";
  std::string content_encoding = "utf-8";
  std::vector<std::pair<std::string, double>> number_headers;
};

// A queue as a passive queue.declare reports it.
struct QueueStatus {
  std::int64_t messages_ready = 0;  // ready messages only (not the unacknowledged)
  std::int64_t consumers = 0;
};

struct AmqpLinkStats {
  std::uint64_t connects = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t round_trips = 0;  // calls that waited for the broker (bursts count once each)
  std::uint64_t messages = 0;     // deliveries handed to consumers
  std::uint64_t oversized = 0;    // deliveries skipped as larger than max_message_bytes
};

class AmqpLink final {
 public:
  // At most this many passive declarations share one round trip (each has its own channel,
  // because a missing queue closes the channel it was asked on; fewer when the broker's
  // channel_max is lower).
  static constexpr std::size_t kDeclareBurst = 256;

  AmqpLink(boost::asio::any_io_executor executor, AmqpOptions options, std::string who);
  ~AmqpLink();
  AmqpLink(const AmqpLink&) = delete;
  AmqpLink& operator=(const AmqpLink&) = delete;

  // Before Start() only.
  void AddConsumer(ConsumerSpec spec);
  void SetStateListener(std::function<void(bool up)> listener);
  void Start();
  // Closes the connection (politely when it can, within command_timeout) and joins the thread;
  // calls in flight and later ones fail with kShuttingDown. Idempotent.
  void Close();

  // Declares the exchange, then publishes each (routing key, body) pair on it.
  boost::asio::awaitable<boost::system::result<void>> Publish(
      PublishSpec spec, std::optional<Deadline> deadline = std::nullopt);
  // One passive queue.declare per name, in bursts of kDeclareBurst; nullopt for a queue the
  // broker does not have (404) or will not show (405: another connection's exclusive queue).
  boost::asio::awaitable<boost::system::result<std::vector<std::optional<QueueStatus>>>>
  DeclarePassive(std::vector<std::string> queues, std::optional<Deadline> deadline = std::nullopt);
  // One round trip to the broker.
  boost::asio::awaitable<boost::system::result<void>> Ping(
      std::optional<Deadline> deadline = std::nullopt);

  bool connected() const;
  AmqpLinkStats Stats() const;

 private:
  struct Impl;
  boost::asio::awaitable<boost::system::error_code> Run(
      std::function<boost::system::error_code(Impl&)> run, std::optional<Deadline> deadline);
  std::shared_ptr<Impl> impl_;
};

}  // namespace queuemon::amqp
