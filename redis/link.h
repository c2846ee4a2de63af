#pragma once
// RedisLink: one open, authenticated connection to Redis (an Asio stream socket, TCP or Unix,
// plus the hiredis reply decoder of its byte stream). OpenRedisLink dials the URL's endpoint,
// then sends AUTH and SELECT as the URL asks, all within one deadline. Internal to redis/:
// RedisConnection and RedisSubscriber build on it.
//
// Thread-safety: a link is used from one strand (the executor it was opened with).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "redis/reply.h"
#include "redis/url.h"
#include "redis/wire.h"

namespace queuemon::redis {

struct RedisLink {
  RedisLink(boost::asio::any_io_executor executor, std::size_t max_reply_bytes)
      : socket(std::move(executor)), decoder(max_reply_bytes) {}

  boost::asio::generic::stream_protocol::socket socket;
  RedisReplyDecoder decoder;
  // ReadRedisReply's read buffer, kept with the link rather than in each read's coroutine
  // frame. 64 KiB: a subscriber under a flood of ~1 KiB event messages reads dozens per
  // syscall instead of four.
  std::vector<char> read_buffer = std::vector<char>(65536);
};

// Connects and authenticates. REQUIRES: `executor` is the caller's strand (the link's socket and
// its deadline timer run there). Errors: kTimeout (deadline passed), kUnavailable (refused,
// unreachable, closed), kAuthFailed (AUTH or SELECT answered with an error), kProtocol.
boost::asio::awaitable<boost::system::result<std::shared_ptr<RedisLink>>> OpenRedisLink(
    boost::asio::any_io_executor executor, const RedisUrl& url, std::size_t max_reply_bytes,
    std::chrono::steady_clock::time_point deadline);

// Reads from `link` until one complete reply is decoded (no deadline of its own: the caller
// closes the socket to abandon it). Errors: kUnavailable (socket error/EOF), kProtocol.
boost::asio::awaitable<boost::system::result<RedisReply>> ReadRedisReply(RedisLink& link);

}  // namespace queuemon::redis
