#pragma once
// TaskQuery: the filter of GET /api/v1/{source}/tasks/recent (state, name, worker, limit,
// offset), checked once in the API and carried to the source as its canonical text, which is
// also the cache key. Pure functions; thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <variant>

namespace queuemon::sources {

struct TaskQuery {
  static constexpr std::int64_t kDefaultLimit = 50;
  static constexpr std::int64_t kMaxLimit = 1000;
  static constexpr std::int64_t kMaxOffset = 1'000'000;

  std::string state;   // "" = any; else one of the states of TaskInfo (case-insensitive in)
  std::string name;    // exact task name
  std::string worker;  // exact node name ("w1@host") or its host part
  std::int64_t limit = kDefaultLimit;
  std::int64_t offset = 0;

  // `["FAILURE","name","worker",50,0]`: every field, in this order, as a JSON array, so equal
  // filters have equal text whatever characters a name holds.
  std::string Canonical() const;
};

// Reads the query parameters through `param` (nullopt when absent). On a bad value returns
// the error text naming the parameter ("query parameter 'limit' must be ...").
struct TaskQueryError {
  std::string message;
};
std::variant<TaskQuery, TaskQueryError> ParseTaskQuery(
    const std::function<std::optional<std::string>(std::string_view)>& param);
// The inverse of Canonical(); nullopt for text Canonical() did not produce.
std::optional<TaskQuery> TaskQueryFromCanonical(std::string_view text);

// The task states a filter may name.
bool KnownTaskState(std::string_view state);

}  // namespace queuemon::sources
