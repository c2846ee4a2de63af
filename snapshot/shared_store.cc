#include "snapshot/shared_store.h"

#include <charconv>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/clock.h"

namespace queuemon::snapshot {
namespace {

using boost::system::result;
using redis::RedisReply;

// KEYS: lease, fence. ARGV: replica id, lease ms, acquired unix ms.
// Returns {1, token} when taken, {0, current value, pttl} when held.
constexpr const char* kAcquireScript = R"lua(
local v = redis.call('GET', KEYS[1])
if v then return {0, v, redis.call('PTTL', KEYS[1])} end
local t = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. t .. '|' .. ARGV[3], 'PX', ARGV[2])
return {1, t}
)lua";

// The lease still held by "<replica>|<token>|" (ARGV[1]): the fencing check every write makes.
#define QUEUEMON_LEASE_HELD \
  "local v = redis.call('GET', KEYS[1])\n" \
  "if not v or string.sub(v, 1, #ARGV[1]) ~= ARGV[1] then return 0 end\n"

// KEYS: lease. ARGV: lease prefix, lease ms.
constexpr const char* kRenewScript = QUEUEMON_LEASE_HELD "return redis.call('PEXPIRE', KEYS[1], ARGV[2])\n";
// KEYS: lease. ARGV: lease prefix.
constexpr const char* kReleaseScript = QUEUEMON_LEASE_HELD "return redis.call('DEL', KEYS[1])\n";
// KEYS: lease, view key. ARGV: lease prefix, record, keep ms, announce channel.
constexpr const char* kWriteScript = QUEUEMON_LEASE_HELD
    "redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])\n"
    "redis.call('PUBLISH', ARGV[4], ARGV[2])\n"
    "return 1\n";
#undef QUEUEMON_LEASE_HELD

std::string Millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()); }

// A script's reply: transport errors and RESP errors both as an error code.
result<RedisReply> Checked(result<RedisReply> reply) {
  if (!reply) return reply.error();
  if (reply->is_error()) return make_error_code(boost::system::errc::protocol_error);
  return reply;
}

template <class Int>
bool ParseInt(std::string_view text, Int& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string EncodeRequest(const StoreRequest& request) {
  return nlohmann::json{{"key", request.key}, {"fresh", request.fresh}, {"nonce", request.nonce}}
      .dump();
}

std::optional<StoreRequest> DecodeRequest(std::string_view bytes) {
  const nlohmann::json j = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  const auto key = j.find("key");
  const auto fresh = j.find("fresh");
  const auto nonce = j.find("nonce");
  if (key == j.end() || !key->is_string() || fresh == j.end() || !fresh->is_boolean() ||
      nonce == j.end() || !nonce->is_string()) {
    return std::nullopt;
  }
  return StoreRequest{key->get<std::string>(), fresh->get<bool>(), nonce->get<std::string>()};
}

std::optional<LeaseState> ParseLeaseValue(std::string_view value) {
  const auto first = value.find('|');
  const auto second = value.find('|', first == std::string_view::npos ? first : first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos) return std::nullopt;
  LeaseState lease;
  lease.held = true;
  lease.replica = std::string(value.substr(0, first));
  std::int64_t acquired_ms = 0;
  if (!ParseInt(value.substr(first + 1, second - first - 1), lease.token) ||
      !ParseInt(value.substr(second + 1), acquired_ms)) {
    return std::nullopt;
  }
  lease.acquired_unix = static_cast<double>(acquired_ms) / 1000.0;
  return lease;
}

SharedStore::SharedStore(redis::RedisConnection& redis, std::string_view prefix,
                         std::string_view source, std::string replica_id)
    : redis_(redis),
      base_(std::string(prefix) + ":" + std::string(source) + ":"),
      replica_id_(std::move(replica_id)),
      lease_key_(base_ + "lease"),
      fence_key_(base_ + "fence"),
      announce_channel_(base_ + "announce"),
      request_channel_(base_ + "request") {}

// One command, a RESP error reply made an error code.
boost::asio::awaitable<result<RedisReply>> SharedStore::Run(redis::RedisCommand command) {
  result<RedisReply> reply = co_await redis_.Command(std::move(command));
  co_return Checked(std::move(reply));
}

std::string SharedStore::LeaseValue(std::uint64_t token) const {
  return replica_id_ + "|" + std::to_string(token) + "|";
}

boost::asio::awaitable<result<std::optional<std::uint64_t>>> SharedStore::TryAcquire(
    std::chrono::milliseconds lease, LeaseState* current) {
  const auto acquired_ms = static_cast<std::int64_t>(base::UnixNow() * 1000);
  redis::RedisCommand command{"EVAL", kAcquireScript, "2", lease_key_, fence_key_,
                              replica_id_, Millis(lease), std::to_string(acquired_ms)};
  result<RedisReply> reply = co_await Run(std::move(command));
  if (!reply) co_return reply.error();
  const auto& e = reply->elements;
  if (reply->type != RedisReply::Type::kArray || e.size() < 2) {
    co_return make_error_code(boost::system::errc::protocol_error);
  }
  if (e[0].integer == 1) co_return std::optional<std::uint64_t>(e[1].integer);
  if (current != nullptr && e.size() == 3) {
    *current = ParseLeaseValue(e[1].str).value_or(LeaseState{});
    current->remaining = std::chrono::milliseconds(e[2].integer);
  }
  co_return std::optional<std::uint64_t>();
}

boost::asio::awaitable<result<bool>> SharedStore::Renew(std::uint64_t token,
                                                        std::chrono::milliseconds lease) {
  redis::RedisCommand command{"EVAL", kRenewScript, "1", lease_key_, LeaseValue(token),
                              Millis(lease)};
  result<RedisReply> reply = co_await Run(std::move(command));
  if (!reply) co_return result<bool>(boost::system::in_place_error, reply.error());
  co_return reply->integer == 1;
}

boost::asio::awaitable<result<bool>> SharedStore::Release(std::uint64_t token) {
  redis::RedisCommand command{"EVAL", kReleaseScript, "1", lease_key_, LeaseValue(token)};
  result<RedisReply> reply = co_await Run(std::move(command));
  if (!reply) co_return result<bool>(boost::system::in_place_error, reply.error());
  co_return reply->integer == 1;
}

boost::asio::awaitable<result<bool>> SharedStore::Write(const Record& record,
                                                        std::chrono::milliseconds keep) {
  redis::RedisCommand command{"EVAL",        kWriteScript,        "2",
                              lease_key_,    base_ + "view:" + record.key,
                              LeaseValue(record.fence), EncodeRecord(record),
                              Millis(std::max(keep, std::chrono::milliseconds(1))),
                              announce_channel_};
  result<RedisReply> reply = co_await Run(std::move(command));
  if (!reply) co_return result<bool>(boost::system::in_place_error, reply.error());
  co_return reply->integer == 1;
}

boost::asio::awaitable<result<std::optional<Record>>> SharedStore::Read(std::string key,
                                                                        std::string* error) {
  redis::RedisCommand command{"GET", base_ + "view:" + key};
  result<RedisReply> reply = co_await Run(std::move(command));
  if (!reply) co_return reply.error();
  if (reply->is_nil()) co_return std::optional<Record>();
  co_return DecodeRecord(reply->str, error);
}

boost::asio::awaitable<result<void>> SharedStore::Ask(const StoreRequest& request) {
  redis::RedisCommand command{"PUBLISH", request_channel_, EncodeRequest(request)};
  result<RedisReply> reply = co_await Run(std::move(command));
  if (!reply) co_return reply.error();
  co_return result<void>();
}

}  // namespace queuemon::snapshot
