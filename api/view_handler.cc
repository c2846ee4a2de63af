#include "api/view_handler.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "sources/errors.h"
#include "sources/task_query.h"
#include "sources/view_filter.h"
#include "http/response.h"

namespace queuemon::api {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view OpaqueTag(std::string_view tag) {
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

std::int64_t WholeSeconds(base::Duration d) {
  return std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

const char* OutcomeName(cache::Outcome outcome) {
  switch (outcome) {
    case cache::Outcome::kHit: return "HIT";
    case cache::Outcome::kStale: return "STALE";
    default: return "MISS";
  }
}

http::Response ErrorResponse(const cache::ReadResult& result, std::string_view source) {
  const auto& ec = result.error;
  if (ec == sources::Errc::kInvalidArgument) {
    return http::JsonError(400, "bad_request", ec.message());
  }
  if (ec == sources::Errc::kNotFound) {
    return http::JsonError(404, "not_found", ec.message());
  }
  // Any layer's deadline: the source's, the Redis client's, or the wait for a shared load.
  const bool timeout = ec == boost::system::errc::timed_out;
  // The cause first (the broker); then why no cached data stood in for it.
  const char* why_no_cache = result.bypassed_cache
                                 ? "use_cache=false asks for fresh data, so cached data is not "
                                   "served instead"
                                 : "no cached data recent enough to serve";
  http::Response response = http::JsonError(timeout ? 504 : 503,
                                timeout ? "collector_timeout" : "collector_unavailable",
                                std::string(source) + ": " + ec.message() + "; " + why_no_cache);
  response.SetHeader("Retry-After", std::to_string(std::max<std::int64_t>(1, WholeSeconds(result.ttl))));
  return response;
}

// The query parameters as the argument parsers read them: the first value of a name, or nullopt.
std::function<std::optional<std::string>(std::string_view)> QueryReader(const http::RouteParams& params) {
  return [&params](std::string_view name) -> std::optional<std::string> {
    const auto value = params.Query(name);
    if (!value) return std::nullopt;
    return std::string(*value);
  };
}

// Sets `argument` (ViewRequest::argument) of `view` from the request; returns the 400 detail
// naming what is wrong, or nullopt. A view without an argument (every aggregate view, the
// common case on the HIT path) costs one table lookup here.
std::optional<std::string> ReadViewArgument(sources::View view, const http::RouteParams& params,
                                            std::string& argument) {
  switch (sources::SpecOf(view).argument) {
    case sources::Argument::kNone:
      return std::nullopt;
    case sources::Argument::kTaskId: {
      const auto it = params.path.find("task_id");
      if (it != params.path.end()) argument = it->second;
      if (!sources::ValidTaskId(argument)) {
        return "invalid task id: expected 1..155 characters of [A-Za-z0-9_.:@-]";
      }
      return std::nullopt;
    }
    case sources::Argument::kTaskQuery: {
      auto parsed = sources::ParseTaskQuery(QueryReader(params));
      if (auto* error = std::get_if<sources::TaskQueryError>(&parsed)) return error->message;
      argument = std::get<sources::TaskQuery>(parsed).Canonical();
      return std::nullopt;
    }
    case sources::Argument::kViewFilter: {
      // The unfiltered view (the HIT path) has at most use_cache in its query: nothing to parse.
      if (params.query.empty() || (params.query.size() == 1 && params.query[0].first == "use_cache")) {
        return std::nullopt;
      }
      auto parsed = sources::ParseViewFilter(view, QueryReader(params));
      if (auto* error = std::get_if<sources::ViewFilterError>(&parsed)) return error->message;
      argument = std::get<sources::ViewFilter>(parsed).Canonical();
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

bool IfNoneMatchMatches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.empty() || etag.empty()) return false;
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    const std::string_view tag = Trim(if_none_match.substr(0, comma));
    if (tag == "*" || OpaqueTag(tag) == OpaqueTag(etag)) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

http::Response ViewResponse(const cache::ReadResult& result, const http::Request& request,
                            std::string_view source) {
  if (result.outcome == cache::Outcome::kError || !result.entry) {
    return ErrorResponse(result, source);
  }
  const cache::Entry& entry = *result.entry;
  // Content-Type, ETag, Vary (and Content-Encoding) come pre-serialised with the entry
  // (Entry::header_lines, gzip_header_lines); only the fields below vary per request, and they
  // fit the http::Response's inline header storage. Choosing the gzip form costs a branch: it
  // was compressed when the entry was stored.
  const bool gzip = request.accepts_gzip && entry.has_gzip();
  http::Response response;
  response.SetHeader("X-Cache", OutcomeName(result.outcome));
  if (result.outcome != cache::Outcome::kMiss) {
    const std::string age = std::to_string(WholeSeconds(result.age));
    response.SetHeader("X-Cache-Age", age);
    response.SetHeader("Age", age);
  }
  response.SetHeader("Cache-Control",
                     "max-age=" + std::to_string(WholeSeconds(result.ttl - result.age)));
  response.header_block = gzip ? entry.gzip_header_lines : entry.header_lines;
  response.body_owner = result.entry;  // keeps header_block and body_view alive until written
  // 304 only stands in for a 200 (RFC 9110 13.1.2): an entry that reports a failure (a health
  // view with its broker down, 503) is always sent whole. Each coding has its own ETag, so a
  // tag of the other coding names a representation this request would not get: no 304.
  const std::string& etag = gzip ? entry.gzip_etag : entry.etag;
  if (entry.status == 200 && IfNoneMatchMatches(request.if_none_match, etag)) {
    response.status = 304;
    if (gzip) response.header_block = entry.GzipNotModifiedLines();
    return response;
  }
  response.status = entry.status;
  response.body_view = gzip ? entry.gzip_body : entry.body;
  return response;
}

boost::asio::awaitable<http::Response> ServeView(ViewService& service, sources::View view,
                                           const http::Request& request, const http::RouteParams& params) {
  bool use_cache = true;
  if (auto raw = params.Query("use_cache")) {
    const std::optional<bool> parsed = http::ParseBoolParam(*raw);
    if (!parsed) {
      co_return http::JsonError(400, "bad_request",
                          "query parameter 'use_cache' must be true, false, 1 or 0 (got '" +
                              std::string(*raw) + "')");
    }
    use_cache = *parsed;
  }
  std::string argument;
  if (std::optional<std::string> bad = ReadViewArgument(view, params, argument)) {
    co_return http::JsonError(400, "bad_request", *bad);
  }
  cache::ReadResult result = co_await service.Get(view, std::move(argument), use_cache);
  co_return ViewResponse(result, request, service.source());
}

}  // namespace queuemon::api
