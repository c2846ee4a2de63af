#pragma once
// ViewFilter: the filters of GET workers/status and queues/status that dashboards need when a
// cluster is large (status=, name= prefix, min_messages=, limit=, offset=). Checked once in the
// API and carried as its canonical text, which is also the filtered answer's cache key
// ("workers:<canonical>"); an absent filter is "" and keeps the plain key. A filtered answer is
// derived from the view's own cached entry (api::ViewService), never collected by itself.
// Pure functions; thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "sources/typed_views.h"
#include "sources/views.h"

namespace queuemon::sources {

struct ViewFilter {
  static constexpr std::int64_t kMaxLimit = 100'000;
  static constexpr std::int64_t kMaxOffset = 10'000'000;
  static constexpr std::int64_t kMaxMessages = 1'000'000'000'000;

  std::string status;                        // workers: "" (any), online, offline or unknown
  std::string name_prefix;                   // "" (any): hostname or queue name prefix
  std::optional<std::int64_t> min_messages;  // queues: at least this many waiting
  std::optional<std::int64_t> limit;         // at most this many, after `offset` skipped
  std::int64_t offset = 0;

  bool empty() const;
  // "" for an empty filter; else every field as a JSON array, so that equal filters have equal
  // text whatever characters a name holds.
  std::string Canonical() const;
};

struct ViewFilterError {
  std::string message;  // names the parameter: "query parameter 'limit' must be ..."
};

// Reads the filter of `view` (kWorkers or kQueues) through `param` (nullopt when absent); a
// parameter of the other view's filter is an error too.
std::variant<ViewFilter, ViewFilterError> ParseViewFilter(
    View view, const std::function<std::optional<std::string>(std::string_view)>& param);
// The inverse of Canonical() (of a non-empty filter); nullopt for other text.
std::optional<ViewFilter> ViewFilterFromCanonical(std::string_view text);

// The view restricted to what matches, then paged. Counts (online/offline/unknown,
// total_messages) are over what matched, before paging; `page` says how many matched.
WorkersView ApplyFilter(const ViewFilter& filter, const WorkersView& view);
QueuesView ApplyFilter(const ViewFilter& filter, const QueuesView& view);

}  // namespace queuemon::sources
