#pragma once
// SharedStore: the Redis side of one source's shared snapshot (design.md "Growing past one
// machine"). Keys and channels, all under "<prefix>:<source>:":
//   lease        "<replica>|<token>|<acquired unix ms>", SET NX PX: who collects the source now
//   fence        INCR counter: the lease tokens, increasing for ever
//   view:<key>   the latest record of a cache key (snapshot/record.h), PX ttl + stale_for
//   announce     channel: every record written, and replies to requests (Record::nonce)
//   request      channel: followers asking the holder for a key (see EncodeRequest)
// Every write of a record runs as one Lua script that first checks the lease still holds this
// replica's token, so a holder that was paused past its lease (and replaced) cannot overwrite a
// newer snapshot: its late writes are refused (the fencing token). Cluster mode is not
// supported (the script touches two keys).
//
// Thread-safety: every method may be called from any thread (RedisConnection serializes).
// Ownership: borrows the connection, which must outlive the store.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "redis/connection.h"
#include "snapshot/record.h"

namespace queuemon::snapshot {

// The lease as read from Redis.
struct LeaseState {
  bool held = false;             // false: nobody holds it
  std::string replica;           // the holder's replica id
  std::uint64_t token = 0;       // its fencing token
  double acquired_unix = 0;      // when it took the lease
  std::chrono::milliseconds remaining{0};  // until it lapses unless renewed
};

// What a follower asks the holder for: a key's entry no older than its refresh age, or (fresh)
// one collected after the request arrived. The holder answers with a record carrying `nonce`.
struct StoreRequest {
  std::string key;
  bool fresh = false;
  std::string nonce;
};
std::string EncodeRequest(const StoreRequest& request);
std::optional<StoreRequest> DecodeRequest(std::string_view bytes);

class SharedStore final {
 public:
  SharedStore(redis::RedisConnection& redis, std::string_view prefix, std::string_view source,
              std::string replica_id);

  const std::string& replica_id() const { return replica_id_; }
  const std::string& announce_channel() const { return announce_channel_; }
  const std::string& request_channel() const { return request_channel_; }

  // Takes the lease if nobody holds it: the new token, or nullopt with `*current` (if given)
  // set to the lease as it stands.
  boost::asio::awaitable<boost::system::result<std::optional<std::uint64_t>>> TryAcquire(
      std::chrono::milliseconds lease, LeaseState* current);
  // Extends the lease if it still holds `token`; false if it does not (lost or lapsed).
  boost::asio::awaitable<boost::system::result<bool>> Renew(std::uint64_t token,
                                                            std::chrono::milliseconds lease);
  // Deletes the lease if it holds `token` (shutdown), so a follower takes over at once.
  boost::asio::awaitable<boost::system::result<bool>> Release(std::uint64_t token);

  // Stores `record` under its key for `keep` and announces it, if the lease still holds
  // `token` (record.fence). False: refused by the fencing token.
  boost::asio::awaitable<boost::system::result<bool>> Write(const Record& record,
                                                            std::chrono::milliseconds keep);
  // The stored record of `key` (nullopt: none, or undecodable: `*error` says why).
  boost::asio::awaitable<boost::system::result<std::optional<Record>>> Read(std::string key,
                                                                           std::string* error);
  // Publishes a request to the holder.
  boost::asio::awaitable<boost::system::result<void>> Ask(const StoreRequest& request);

 private:
  std::string LeaseValue(std::uint64_t token) const;
  boost::asio::awaitable<boost::system::result<redis::RedisReply>> Run(redis::RedisCommand command);

  redis::RedisConnection& redis_;
  std::string base_;  // "<prefix>:<source>:"
  std::string replica_id_;
  std::string lease_key_, fence_key_, announce_channel_, request_channel_;
};

// The lease's value as written by TryAcquire, parsed; nullopt if it is not one.
std::optional<LeaseState> ParseLeaseValue(std::string_view value);

}  // namespace queuemon::snapshot
