#include "sources/keyspace/replies.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace queuemon::sources::keyspace {

using redis::RedisReply;

std::optional<std::string_view> Text(const RedisReply& reply) {
  if (reply.type != RedisReply::Type::kString && reply.type != RedisReply::Type::kStatus) {
    return std::nullopt;
  }
  return std::string_view(reply.str);
}

std::optional<std::int64_t> Integer(const RedisReply& reply) {
  if (reply.type == RedisReply::Type::kInteger) return reply.integer;
  const auto text = Text(reply);
  if (!text) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> WholeNumber(double value) {
  // 2^63 is exactly representable; every double below it converts without overflow.
  constexpr double kLimit = 9223372036854775808.0;
  if (!std::isfinite(value) || value >= kLimit || value < -kLimit) return std::nullopt;
  return static_cast<std::int64_t>(value);
}

std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> Number(const RedisReply& reply) {
  if (reply.type == RedisReply::Type::kInteger) return static_cast<double>(reply.integer);
  const auto text = Text(reply);
  return text ? ParseNumber(*text) : std::nullopt;
}

std::vector<std::string> Strings(const RedisReply& reply) {
  std::vector<std::string> out;
  if (reply.type != RedisReply::Type::kArray) return out;
  out.reserve(reply.elements.size());
  for (const RedisReply& e : reply.elements) {
    if (const auto text = Text(e)) out.emplace_back(*text);
  }
  return out;
}

std::map<std::string, std::string> Hash(const RedisReply& reply) {
  std::map<std::string, std::string> out;
  if (reply.type != RedisReply::Type::kArray) return out;
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    const auto field = Text(reply.elements[i]);
    const auto value = Text(reply.elements[i + 1]);
    if (field && value) out.emplace(*field, *value);
  }
  return out;
}

std::optional<double> ParseUtcIso(std::string_view text) {
  // "YYYY-MM-DDTHH:MM:SS" then an optional ".ffffff" and an optional "Z".
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
      text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  auto field = [&](std::size_t at, std::size_t len) -> std::optional<int> {
    int v = 0;
    const auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + len, v);
    if (ec != std::errc() || end != text.data() + at + len) return std::nullopt;
    return v;
  };
  const auto year = field(0, 4), month = field(5, 2), day = field(8, 2);
  const auto hour = field(11, 2), minute = field(14, 2), second = field(17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  std::string_view rest = text.substr(19);
  if (!rest.empty() && rest.back() == 'Z') rest.remove_suffix(1);
  double fraction = 0;
  if (!rest.empty()) {
    const auto parsed = ParseNumber("0" + std::string(rest));  // ".750642" -> 0.750642
    if (rest.front() != '.' || !parsed) return std::nullopt;
    fraction = *parsed;
  }
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  return static_cast<double>(timegm(&tm)) + fraction;
}

}  // namespace queuemon::sources::keyspace
