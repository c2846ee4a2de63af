#pragma once
// Reading the replies of read-only commands on a job-queue library's keys. A key of the wrong
// type (someone else's data) answers a RESP error: each helper turns what it cannot read into
// nullopt or an empty value, so one odd key never fails a view.
//
// Thread-safety: pure functions.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "redis/connection.h"

namespace queuemon::sources::keyspace {

// A bulk or status string; nullopt for nil, errors and other types.
std::optional<std::string_view> Text(const redis::RedisReply& reply);
// An integer reply, or a string holding a decimal integer (GET of a counter).
std::optional<std::int64_t> Integer(const redis::RedisReply& reply);
// A string holding a number ("1796194052.36516"), or an integer reply.
std::optional<double> Number(const redis::RedisReply& reply);
// The strings of an array reply (SMEMBERS, LRANGE); others are skipped.
std::vector<std::string> Strings(const redis::RedisReply& reply);
// An HGETALL reply as a map (empty for a missing key).
std::map<std::string, std::string> Hash(const redis::RedisReply& reply);
// `value` as an integer (truncated), or nullopt when it is not finite or out of int64's range:
// a number a broker hands over is never cast blindly.
std::optional<std::int64_t> WholeNumber(double value);
// A number in text ("3", "0.0123"); nullopt when it is not one.
std::optional<double> ParseNumber(std::string_view text);
// A UTC time as RQ writes it ("2026-12-02T06:47:11.750642Z", also without fraction or 'Z') in
// Unix seconds; nullopt when malformed.
std::optional<double> ParseUtcIso(std::string_view text);

}  // namespace queuemon::sources::keyspace
