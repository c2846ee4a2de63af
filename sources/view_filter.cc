// The workers/queues filters: parse, check, canonical text, apply.
#include "sources/view_filter.h"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "sources/query_params.h"

namespace queuemon::sources {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxPrefixBytes = 255;
constexpr std::array<std::string_view, 3> kStatuses = {"online", "offline", "unknown"};

struct Count {
  const char* key;
  std::int64_t min, max;
};
constexpr Count kLimit{"limit", 1, ViewFilter::kMaxLimit};
constexpr Count kOffset{"offset", 0, ViewFilter::kMaxOffset};
constexpr Count kMinMessages{"min_messages", 0, ViewFilter::kMaxMessages};

// The parameter `key` read as a Count; `error` set when it is present and bad.
std::optional<std::int64_t> ReadCount(
    const std::function<std::optional<std::string>(std::string_view)>& param, const Count& c,
    std::optional<ViewFilterError>& error) {
  const auto text = param(c.key);
  if (!text) return std::nullopt;
  auto value = ParseCount(*text, c.min, c.max);
  if (!value) error = ViewFilterError{CountError(c.key, c.min, c.max, *text)};
  return value;
}

std::optional<ViewFilterError> OnlyFor(
    const std::function<std::optional<std::string>(std::string_view)>& param, const char* key,
    const char* route) {
  if (!param(key)) return std::nullopt;
  return ViewFilterError{Message({"query parameter '", key, "' applies to ", route, " only"})};
}

// Items [offset, offset + limit) of `items`.
template <class T>
std::vector<T> Page(std::vector<T> items, const ViewFilter& filter) {
  const auto size = static_cast<std::int64_t>(items.size());
  const std::int64_t first = std::min(filter.offset, size);
  const std::int64_t last = filter.limit ? std::min(size, first + *filter.limit) : size;
  return {std::make_move_iterator(items.begin() + first), std::make_move_iterator(items.begin() + last)};
}

ViewPage PageOf(const ViewFilter& filter, std::size_t matched) {
  return ViewPage{static_cast<std::int64_t>(matched), filter.limit, filter.offset};
}

}  // namespace

bool ViewFilter::empty() const {
  return status.empty() && name_prefix.empty() && !min_messages && !limit && offset == 0;
}

std::string ViewFilter::Canonical() const {
  if (empty()) return "";
  return json::array({status, name_prefix, min_messages ? json(*min_messages) : json(),
                      limit ? json(*limit) : json(), offset})
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<ViewFilter> ViewFilterFromCanonical(std::string_view text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array() || j.size() != 5 || !j[0].is_string() || !j[1].is_string() ||
      !(j[2].is_null() || j[2].is_number_integer()) || !(j[3].is_null() || j[3].is_number_integer()) ||
      !j[4].is_number_integer()) {
    return std::nullopt;
  }
  ViewFilter filter;
  filter.status = j[0].get<std::string>();
  filter.name_prefix = j[1].get<std::string>();
  if (!j[2].is_null()) filter.min_messages = j[2].get<std::int64_t>();
  if (!j[3].is_null()) filter.limit = j[3].get<std::int64_t>();
  filter.offset = j[4].get<std::int64_t>();
  return filter;
}

std::variant<ViewFilter, ViewFilterError> ParseViewFilter(
    View view, const std::function<std::optional<std::string>(std::string_view)>& param) {
  ViewFilter filter;
  const bool workers = view == View::kWorkers;
  if (auto wrong = workers ? OnlyFor(param, "min_messages", "queues/status")
                           : OnlyFor(param, "status", "workers/status")) {
    return *wrong;
  }
  if (auto status = param("status")) {
    if (std::find(kStatuses.begin(), kStatuses.end(), *status) == kStatuses.end()) {
      return ViewFilterError{Message({"query parameter 'status' must be online, offline or "
                                      "unknown (got ", Quoted(*status), ")"})};
    }
    filter.status = *status;
  }
  if (auto name = param("name")) {
    if (name->empty() || name->size() > kMaxPrefixBytes) {
      return ViewFilterError{Message({"query parameter 'name' must be a prefix of 1..",
                                      std::to_string(kMaxPrefixBytes), " bytes"})};
    }
    filter.name_prefix = *name;
  }
  std::optional<ViewFilterError> error;
  filter.limit = ReadCount(param, kLimit, error);
  if (auto offset = ReadCount(param, kOffset, error)) filter.offset = *offset;
  if (!workers) filter.min_messages = ReadCount(param, kMinMessages, error);
  if (error) return *error;
  return filter;
}

WorkersView ApplyFilter(const ViewFilter& filter, const WorkersView& view) {
  WorkersView out;
  out.timestamp = view.timestamp;
  std::vector<WorkerInfo> matched;
  for (const WorkerInfo& w : view.workers) {
    if (!filter.status.empty() && w.status != filter.status) continue;
    if (!w.hostname.starts_with(filter.name_prefix)) continue;
    out.online += w.status == "online";
    out.offline += w.status == "offline";
    out.unknown += w.status == "unknown";
    matched.push_back(w);
  }
  out.page = PageOf(filter, matched.size());
  out.workers = Page(std::move(matched), filter);
  return out;
}

QueuesView ApplyFilter(const ViewFilter& filter, const QueuesView& view) {
  QueuesView out = view;  // the totals by state and the unacked total stay the source's
  out.queues.clear();
  out.total_messages = 0;
  std::vector<QueueInfo> matched;
  for (const QueueInfo& q : view.queues) {
    if (!q.name.starts_with(filter.name_prefix)) continue;
    if (filter.min_messages && q.messages < *filter.min_messages) continue;
    out.total_messages += q.messages;
    matched.push_back(q);
  }
  out.page = PageOf(filter, matched.size());
  out.queues = Page(std::move(matched), filter);
  return out;
}

}  // namespace queuemon::sources
