#pragma once
// RESP encoding and decoding for RedisConnection/RedisSubscriber, delegated to hiredis:
// EncodeRedisCommand wraps redisFormatCommandArgv (binary-safe: every argument goes with its
// length) and RedisReplyDecoder wraps a redisReader, copying each decoded redisReply into an
// owned RedisReply and freeing it at once. This is the only translation unit that includes
// hiredis. Internal to redis/.
//
// Thread-safety: EncodeRedisCommand is pure; a RedisReplyDecoder belongs to one connection and
// is used from its strand only.

#include <boost/system/result.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "redis/reply.h"

struct redisReader;  // hiredis/read.h

namespace queuemon::redis {

// The RESP request for `argv` (one command). REQUIRES: !argv.empty().
std::string EncodeRedisCommand(const std::vector<std::string>& argv);

class RedisReplyDecoder final {
 public:
  // Replies (and partial replies) larger than `max_reply_bytes` are refused with
  // Errc::kProtocol: the stream is then unusable and its connection must be reset.
  explicit RedisReplyDecoder(std::size_t max_reply_bytes);
  ~RedisReplyDecoder();
  RedisReplyDecoder(const RedisReplyDecoder&) = delete;
  RedisReplyDecoder& operator=(const RedisReplyDecoder&) = delete;

  // Appends bytes read from the socket.
  boost::system::result<void> Feed(std::string_view bytes);
  // The next complete reply, nullopt if more bytes are needed, or an error (kProtocol) if the
  // stream is not valid RESP or a reply exceeds the limit. After an error, every call fails.
  boost::system::result<std::optional<RedisReply>> Next();

 private:
  struct ReaderDeleter {
    void operator()(redisReader* reader) const;
  };
  std::unique_ptr<redisReader, ReaderDeleter> reader_;
  std::size_t max_reply_bytes_;
  std::size_t partial_bytes_ = 0;  // bytes fed since the last complete reply (an upper bound)
  bool failed_ = false;
};

}  // namespace queuemon::redis
