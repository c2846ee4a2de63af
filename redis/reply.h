#pragma once
// RedisReply: an owned copy of one decoded RESP reply (hiredis' redisReply tree, freed at once).

#include <cstdint>
#include <string>
#include <vector>

namespace queuemon::redis {

struct RedisReply {
  enum class Type { kString, kArray, kInteger, kNil, kStatus, kError };

  Type type = Type::kNil;
  std::string str;                  // kString, kStatus, kError
  std::int64_t integer = 0;         // kInteger
  std::vector<RedisReply> elements;  // kArray

  bool is_error() const { return type == Type::kError; }
  bool is_nil() const { return type == Type::kNil; }
};

}  // namespace queuemon::redis
