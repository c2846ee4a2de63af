#pragma once
// ObjectReader: reads the members of one JSON object of the config file by key, converting and
// range-checking each value and naming the key's JSON path in every error
// ("caches.task_status.ttl_seconds: must be > 0 (got 0)"). Keys that no Read*/Child call asked
// for are rejected by RejectUnknown(), so a typo never silently falls back to a default.
//
// Only config/ uses it (house style: only the config layer touches the config's JSON): the
// top-level reader and each source kind's reader. Not thread-safe;
// one reader per object, used during one ParseConfig call. It borrows `object`.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace queuemon::config {

class ObjectReader final {
 public:
  // Throws ConfigError "<path>: must be an object (got <type>)" unless `object` is one.
  ObjectReader(const nlohmann::json& object, std::string path);

  // Every Read* leaves `out` untouched when `key` is absent and throws ConfigError on a wrong
  // type or an out-of-range value; none of them clamps.
  void ReadString(std::string_view key, std::string& out);
  void ReadBool(std::string_view key, bool& out);
  void ReadInt(std::string_view key, int& out, std::int64_t min, std::int64_t max);
  void ReadSize(std::string_view key, std::size_t& out, std::uint64_t min, std::uint64_t max);
  // Whole milliseconds; min is inclusive.
  void ReadMillis(std::string_view key, std::chrono::milliseconds& out, std::int64_t min_ms,
                  std::int64_t max_ms);
  // Seconds, fractional allowed, stored with millisecond resolution. Zero is accepted only if
  // `allow_zero`; a positive value below 1 ms is rejected (it would round to zero).
  void ReadSeconds(std::string_view key, std::chrono::milliseconds& out, bool allow_zero,
                   double max_seconds);
  // As ReadSeconds (zero refused), for a setting whose absence means "derived from others".
  void ReadOptionalSeconds(std::string_view key, std::optional<std::chrono::milliseconds>& out,
                           double max_seconds);
  void ReadStringList(std::string_view key, std::vector<std::string>& out);
  void ReadIntList(std::string_view key, std::vector<int>& out, int min, int max);

  // The member `key` (marked as known), or nullptr if absent.
  const nlohmann::json* Child(std::string_view key);
  std::string PathOf(std::string_view key) const;
  const std::string& path() const { return path_; }

  // Throws ConfigError "<path>.<key>: unknown key (expected one of: ...)" for the first member
  // no Read*/Child call named.
  void RejectUnknown() const;

 private:
  const nlohmann::json* Find(std::string_view key);

  const nlohmann::json& object_;
  std::string path_;
  std::vector<std::string> known_;
};

// Throws ConfigError "<path>: <what> (got <value>)".
[[noreturn]] void FailAt(std::string_view path, std::string_view what, const nlohmann::json& got);
[[noreturn]] void FailAt(std::string_view path, std::string_view what);

}  // namespace queuemon::config
