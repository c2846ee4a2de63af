#pragma once
// RedisReply: an owned copy of one decoded RESP reply (hiredis' redisReply tree, freed at once).

#include <cstdint>
#include <string>
#include <utility>
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

  // Replies as a server would send them (tests, fuzz targets, fakes).
  static RedisReply String(std::string s) {
    RedisReply r;
    r.type = Type::kString;
    r.str = std::move(s);
    return r;
  }
  static RedisReply Integer(std::int64_t v) {
    RedisReply r;
    r.type = Type::kInteger;
    r.integer = v;
    return r;
  }
  static RedisReply Error(std::string message) {
    RedisReply r = String(std::move(message));
    r.type = Type::kError;
    return r;
  }
  static RedisReply Array(std::vector<RedisReply> elements) {
    RedisReply r;
    r.type = Type::kArray;
    r.elements = std::move(elements);
    return r;
  }
};

}  // namespace queuemon::redis
