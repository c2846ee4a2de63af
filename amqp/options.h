#pragma once
// AmqpOptions: how an AmqpLink reaches the broker. Plain data; a source kind's config reader
// fills it (the same keys and defaults as the Redis links: config/broker_reader.h).

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace queuemon::redis {
class BrokerLinkMonitor;  // redis/link_monitor.h: broker-neutral despite its folder
}

namespace queuemon::amqp {

struct AmqpOptions {
  std::string url = "amqp://guest:guest@127.0.0.1:5672//";  // amqp/url.h
  // TCP connect, then the AMQP handshake (each bounded by this).
  std::chrono::milliseconds connect_timeout{1000};
  // Deadline of one call (publish, declare burst, ping) when the caller gives none; also
  // rabbitmq-c's RPC timeout, so the link's thread never waits longer on a silent broker.
  std::chrono::milliseconds command_timeout{1000};
  // Negotiated AMQP heartbeat: a broker silent for two of these is dropped and redialled.
  std::chrono::seconds heartbeat{10};
  // Reconnect backoff: starts here, doubles per failure up to backoff_max, with +-50% jitter.
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  // Delivered messages larger than this are skipped (counted), never buffered.
  std::size_t max_message_bytes = 64 * 1024 * 1024;
  // Optional: reports failed dials, lost links, backoff and answers (logs, /metrics).
  std::shared_ptr<redis::BrokerLinkMonitor> monitor;
};

}  // namespace queuemon::amqp
