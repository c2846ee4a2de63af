#pragma once
// Small helpers of the query-parameter parsers (task_query.cc, view_filter.cc): integers in a
// range and error texts that quote what the client sent. Pure functions; thread-safe.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace queuemon::sources {

// `text` as a whole decimal integer in [min, max], else nullopt.
std::optional<std::int64_t> ParseCount(std::string_view text, std::int64_t min, std::int64_t max);
// 'text', cut at 64 bytes: what the client sent, quoted in an error message.
std::string Quoted(std::string_view text);
// The parts concatenated.
std::string Message(std::initializer_list<std::string_view> parts);
// "query parameter 'KEY' must be an integer in MIN..MAX (got 'TEXT')".
std::string CountError(std::string_view key, std::int64_t min, std::int64_t max, std::string_view text);

}  // namespace queuemon::sources
