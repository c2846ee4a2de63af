// The /tasks/recent filter: parse, check, canonical text.
#include "sources/task_query.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>

#include <nlohmann/json.hpp>

#include "sources/query_params.h"

namespace queuemon::sources {
namespace {

constexpr std::array<std::string_view, 8> kStates = {"PENDING", "RECEIVED", "STARTED", "SUCCESS",
                                                     "FAILURE", "RETRY",    "REVOKED", "REJECTED"};
constexpr std::size_t kMaxFilterBytes = 255;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool KnownTaskState(std::string_view state) {
  return std::find(kStates.begin(), kStates.end(), state) != kStates.end();
}

std::string TaskQuery::Canonical() const {
  return nlohmann::json::array({state, name, worker, limit, offset})
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::variant<TaskQuery, TaskQueryError> ParseTaskQuery(
    const std::function<std::optional<std::string>(std::string_view)>& param) {
  TaskQuery query;
  if (auto state = param("state")) {
    query.state = Upper(*state);
    if (!KnownTaskState(query.state)) {
      return TaskQueryError{Message({"query parameter 'state' must be one of PENDING, RECEIVED, "
                                     "STARTED, SUCCESS, FAILURE, RETRY, REVOKED, REJECTED (got ",
                                     Quoted(*state), ")"})};
    }
  }
  for (auto [key, out] : {std::pair{"name", &query.name}, std::pair{"worker", &query.worker}}) {
    if (auto value = param(key)) {
      if (value->empty() || value->size() > kMaxFilterBytes) {
        return TaskQueryError{Message({"query parameter '", key, "' must be 1..",
                                       std::to_string(kMaxFilterBytes), " bytes"})};
      }
      *out = std::move(*value);
    }
  }
  struct Count {
    const char* key;
    std::int64_t min, max;
    std::int64_t* out;
  };
  for (const Count& c : {Count{"limit", 1, TaskQuery::kMaxLimit, &query.limit},
                         Count{"offset", 0, TaskQuery::kMaxOffset, &query.offset}}) {
    const auto text = param(c.key);
    if (!text) continue;
    const auto value = ParseCount(*text, c.min, c.max);
    if (!value) {
      return TaskQueryError{CountError(c.key, c.min, c.max, *text)};
    }
    *c.out = *value;
  }
  return query;
}

std::optional<TaskQuery> TaskQueryFromCanonical(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array() || j.size() != 5 || !j[0].is_string() || !j[1].is_string() ||
      !j[2].is_string() || !j[3].is_number_integer() || !j[4].is_number_integer()) {
    return std::nullopt;
  }
  TaskQuery query;
  query.state = j[0].get<std::string>();
  query.name = j[1].get<std::string>();
  query.worker = j[2].get<std::string>();
  query.limit = j[3].get<std::int64_t>();
  query.offset = j[4].get<std::int64_t>();
  return query;
}

}  // namespace queuemon::sources
