#include "sources/query_params.h"

#include <charconv>

namespace queuemon::sources {

std::optional<std::int64_t> ParseCount(std::string_view text, std::int64_t min, std::int64_t max) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

// Appended, not `a + b + c`: g++ 12 reports a false -Wrestrict on such chains.
std::string Quoted(std::string_view text) {
  std::string out("'");
  out.append(text.substr(0, 64));
  out += '\'';
  return out;
}

std::string Message(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out.append(part);
  return out;
}

std::string CountError(std::string_view key, std::int64_t min, std::int64_t max, std::string_view text) {
  return Message({"query parameter '", key, "' must be an integer in ", std::to_string(min), "..",
                  std::to_string(max), " (got ", Quoted(text), ")"});
}

}  // namespace queuemon::sources
