#include "sources/celery/redis/queue_bindings.h"

#include <algorithm>

#include "redis/errors.h"
#include "sources/errors.h"

namespace queuemon::sources::celery::over_redis {
namespace {

constexpr std::string_view kBindingPrefix = "_kombu.binding.";

bool InternalExchange(const std::string& exchange, const CeleryOptions& options) {
  return exchange == options.pidbox_exchange || exchange == "reply." + options.pidbox_exchange ||
         exchange == options.events_exchange;
}

// One page of SCAN: the next cursor and the keys, or kProtocol for a reply of another shape.
boost::system::result<std::pair<std::string, std::vector<std::string>>> ScanPage(
    const redis::RedisReply& reply) {
  if (reply.type != redis::RedisReply::Type::kArray || reply.elements.size() != 2 ||
      reply.elements[1].type != redis::RedisReply::Type::kArray) {
    return MakeErrorCode(Errc::kProtocol);
  }
  std::vector<std::string> keys;
  for (const redis::RedisReply& key : reply.elements[1].elements) keys.push_back(key.str);
  return std::make_pair(reply.elements[0].str, std::move(keys));
}

// Built outside the coroutine: g++ 12 mis-compiles braced string literals inside coroutines.
redis::RedisCommand ScanCommand(const std::string& cursor, const std::string& pattern) {
  return redis::RedisCommand{"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};
}

std::vector<redis::RedisCommand> SmembersCommands(const std::set<std::string>& keys) {
  std::vector<redis::RedisCommand> commands;
  for (const std::string& key : keys) commands.push_back(redis::RedisCommand{"SMEMBERS", key});
  return commands;
}

}  // namespace

std::string QueueBindings::QueueOf(const std::string& exchange,
                                   const std::string& routing_key) const {
  const auto it = routes.find({exchange, routing_key});
  return it == routes.end() ? routing_key : it->second;
}

QueueBindings ParseBindings(const std::map<std::string, std::vector<std::string>>& sets,
                            const CeleryOptions& options) {
  QueueBindings out;
  for (const auto& [exchange, members] : sets) {
    if (InternalExchange(exchange, options)) continue;
    for (const std::string& member : members) {
      auto binding = ParseBindingMember(member, options.sep);
      if (!binding) continue;
      out.queues.insert(binding->queue);
      out.routes.emplace(std::make_pair(exchange, binding->routing_key), binding->queue);
    }
  }
  return out;
}

std::string BindingPattern(std::string_view prefix) {
  std::string pattern;
  for (char c : prefix) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern + std::string(kBindingPrefix) + "*";
}

boost::asio::awaitable<boost::system::result<QueueBindings>> DiscoverBindings(
    redis::RedisConnection& redis, const CeleryKeys& keys, const CeleryOptions& options) {
  const std::string pattern = BindingPattern(keys.prefix());
  std::set<std::string> set_keys;  // SCAN may return a key twice
  std::string cursor = "0";
  for (std::size_t page = 0; page < kMaxScanPages; ++page) {
    redis::RedisCommand scan = ScanCommand(cursor, pattern);
    auto reply = co_await redis.Command(std::move(scan));
    if (!reply) co_return reply.error();
    auto parsed = ScanPage(*reply);
    if (!parsed) co_return parsed.error();
    set_keys.insert(parsed->second.begin(), parsed->second.end());
    cursor = parsed->first;
    if (cursor == "0") break;
  }
  std::map<std::string, std::vector<std::string>> sets;
  if (!set_keys.empty()) {
    std::vector<redis::RedisCommand> reads = SmembersCommands(set_keys);
    auto replies = co_await redis.Pipeline(std::move(reads));
    if (!replies) co_return replies.error();
    const std::size_t exchange_at = keys.prefix().size() + kBindingPrefix.size();
    std::size_t i = 0;
    for (const std::string& key : set_keys) {
      if (i >= replies->size()) break;
      std::vector<std::string>& members = sets[key.substr(std::min(exchange_at, key.size()))];
      for (const redis::RedisReply& member : (*replies)[i++].elements) members.push_back(member.str);
    }
  }
  co_return ParseBindings(sets, options);
}

}  // namespace queuemon::sources::celery::over_redis
