#pragma once
// RabbitMQ's management HTTP API, the one read queuemon makes of it: every queue of a vhost
// with its ready and unacknowledged messages and its consumers, in ONE request
//   GET <base>/queues/<vhost>?columns=name,messages_ready,messages_unacknowledged,consumers
// (`disable_stats=true` would spare the broker the rate statistics but drops `consumers` on
// RabbitMQ 3.10, so it is not sent). Beast over a fresh TCP connection per read, bounded by the
// caller's deadline; HTTP basic auth from the URL's user:password; http:// only.
// Thread-safety: stateless; ReadQueues may run concurrently.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace queuemon::amqp {

struct ManagementQueue {
  std::string name;
  std::int64_t ready = 0;
  std::int64_t unacked = 0;
  std::int64_t consumers = 0;
};

// Checks a management URL (http://[user:password@]host[:port]/path); "" when usable, else why.
std::string CheckManagementUrl(std::string_view url);

// Parses the API's JSON answer (an array of queue objects). kProtocol when it is not one.
boost::system::result<std::vector<ManagementQueue>> ParseManagementQueues(std::string_view json);

// Errors: kUnavailable (cannot connect, connection lost), kTimeout (deadline), kAuthFailed
// (401/403), kProtocol (another status, or a body that does not parse or exceeds max_bytes).
boost::asio::awaitable<boost::system::result<std::vector<ManagementQueue>>> ReadManagementQueues(
    boost::asio::any_io_executor executor, std::string base_url, std::string vhost,
    std::chrono::steady_clock::time_point deadline, std::size_t max_bytes);

}  // namespace queuemon::amqp
