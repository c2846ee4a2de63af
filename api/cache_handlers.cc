#include "api/cache_handlers.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/cache_control.h"
#include "http/response.h"
#include "sources/views.h"

namespace queuemon::api {
namespace {

double Percent(std::uint64_t part, std::uint64_t whole) {
  if (whole == 0) return 0.0;
  return std::round(10000.0 * static_cast<double>(part) / static_cast<double>(whole)) / 100.0;
}

nlohmann::json StatsJson(const cache::CacheStats& s) {
  return {{"size", s.size},
          {"max_size", s.max_size},
          {"utilization_percent", Percent(s.size, s.max_size)},
          {"hits", s.hits},
          {"misses", s.misses},
          {"hit_rate_percent", Percent(s.hits, s.total_requests)},
          {"sets", s.sets},
          {"evictions", s.evictions},
          {"expirations", s.expirations},
          {"invalidations", s.invalidations},
          {"total_requests", s.total_requests},
          {"stale", s.stale},
          {"bytes", s.bytes},
          {"max_bytes", s.max_bytes},
          {"waiting", s.waiting}};
}

// The arguments of a cache control request: from the query or a JSON body object with the same
// keys (as the original service's clients send cache_name).
struct ControlArgs {
  std::optional<std::string> cache_name;
  std::optional<std::string> key;  // a glob over the cache's keys (invalidate only)
};

// A glob is matched by fnmatch(3) against keys of at most a few hundred bytes: longer patterns
// or control characters can only be mistakes.
constexpr std::size_t kMaxKeyPatternBytes = 512;
constexpr std::ptrdiff_t kMaxKeyPatternStars = 8;

std::optional<http::Response> CheckKeyPattern(const std::string& pattern) {
  if (pattern.empty() || pattern.size() > kMaxKeyPatternBytes) {
    return http::JsonError(400, "bad_request", "'key' must be a glob of 1.." +
                                                   std::to_string(kMaxKeyPatternBytes) +
                                                   " bytes, such as task:* or workers");
  }
  for (const unsigned char c : pattern) {
    if (c < 0x20 || c == 0x7f) {
      return http::JsonError(400, "bad_request", "'key' must not contain control characters");
    }
  }
  // fnmatch backtracks: many '*' over long keys could hold the cache's lock for long.
  if (std::count(pattern.begin(), pattern.end(), '*') > kMaxKeyPatternStars) {
    return http::JsonError(400, "bad_request", "'key' may hold at most " +
                                                   std::to_string(kMaxKeyPatternStars) + " '*'");
  }
  return std::nullopt;
}

// Sets `out` from the query or the body's `name`; a 400 when the two differ or the body's
// value is not a string.
std::optional<http::Response> MergeArg(std::string_view name, const nlohmann::json& value,
                                       std::optional<std::string>& out) {
  if (!value.is_string()) return http::JsonError(400, "bad_request", "'" + std::string(name) + "' must be a string");
  const std::string from_body = value.get<std::string>();
  if (out && *out != from_body) {
    return http::JsonError(400, "bad_request", std::string(name) + " differs between the query ('" + *out +
                                             "') and the body ('" + from_body + "')");
  }
  out = from_body;
  return std::nullopt;
}

// Reads cache_name (and, when `with_key`, key) from the query and the body; a 400 for a body
// that is not a JSON object of those keys.
std::optional<http::Response> ReadControlArgs(const http::Request& request,
                                              const http::RouteParams& params, bool with_key,
                                              ControlArgs& args) {
  const std::string known = with_key ? "cache_name, key" : "cache_name";
  if (auto query = params.Query("cache_name")) args.cache_name = std::string(*query);
  if (auto query = params.Query("key"); query && with_key) args.key = std::string(*query);
  if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    if (!body.is_object()) {
      return http::JsonError(400, "bad_request",
                             R"(request body must be a JSON object such as {"cache_name": "task_status"})");
    }
    for (const auto& [key, value] : body.items()) {
      std::optional<std::string>* out = key == "cache_name"       ? &args.cache_name
                                        : key == "key" && with_key ? &args.key
                                                                   : nullptr;
      if (out == nullptr) {
        return http::JsonError(400, "bad_request", "unknown key '" + key + "' in the request body (known: " + known + ")");
      }
      if (auto bad = MergeArg(key, value, *out)) return bad;
    }
  }
  if (args.key) return CheckKeyPattern(*args.key);
  return std::nullopt;
}

// Authorization (auth.h, a refusal logged with the client's address), then the arguments
// (`key` for invalidate only): nullopt when the request may go on with `args`.
std::optional<http::Response> AdmitControl(const ViewService& service, const http::Request& request,
                                           const http::RouteParams& params,
                                           std::string_view auth_token, std::string_view action,
                                           ControlArgs& args) {
  if (auto denied = CheckMutationAllowed(request, auth_token)) {
    spdlog::warn("cache {} on {} refused for client {}: {}", action, service.source(),
                 request.client_address, denied->status);
    return denied;
  }
  return ReadControlArgs(request, params, /*with_key=*/action == "invalidate", args);
}

http::Response UnknownCache(const std::string& name) {
  return http::JsonError(404, "not_found", "unknown cache_name '" + name +
                                               "' (known: " + sources::CategoryList() + ")");
}

std::optional<std::string_view> AsView(const std::optional<std::string>& s) {
  return s ? std::optional<std::string_view>(*s) : std::nullopt;
}

http::Response NoStore(http::Response response) {
  response.SetHeader("Cache-Control", "no-store");
  return response;
}

std::string Dump(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// What each cause did to one cache: only causes that did something.
nlohmann::json ControlJson(const std::array<ControlCounts, kCauseCount>& by_cause) {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t cause = 0; cause < kCauseCount; ++cause) {
    const ControlCounts& c = by_cause[cause];
    if (c == ControlCounts{}) continue;
    out[std::string(CauseName(cause))] = {
        {"refreshes", c.refreshes}, {"coalesced", c.coalesced}, {"dropped", c.dropped}};
  }
  return out;
}

nlohmann::json ControlSummaryJson(const CacheControlStats& control) {
  nlohmann::json triggers = nlohmann::json::object();
  for (std::size_t cause = 0; cause < kCauseCount; ++cause) {
    if (control.configured[cause] || control.triggers[cause] != 0) {
      triggers[std::string(CauseName(cause))] = control.triggers[cause];
    }
  }
  return {{"min_refresh_interval_ms", control.min_refresh_interval.count()},
          {"triggers", std::move(triggers)}};
}

}  // namespace

std::string Rfc3339UtcNow() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1'000'000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%06lldZ", date, static_cast<long long>(micros));
  return out;
}

std::string CacheStatsJson(const ViewService& service) {
  nlohmann::json caches = nlohmann::json::object();
  std::uint64_t hits = 0, misses = 0, stale = 0, total = 0;
  const CacheControlStats control = service.control().Stats();
  std::size_t category = 0;
  for (const auto& [name, stats] : service.CacheStats()) {
    caches[name] = StatsJson(stats);
    caches[name]["control"] = ControlJson(control.by_cache[category++]);
    hits += stats.hits;
    misses += stats.misses;
    stale += stats.stale;
    total += stats.total_requests;
  }
  nlohmann::json body = {{"timestamp", Rfc3339UtcNow()},
                         {"source", service.source()},
                         {"caches", std::move(caches)},
                         {"summary",
                          {{"total_hits", hits},
                           {"total_misses", misses},
                           {"total_stale", stale},
                           {"total_requests", total},
                           {"overall_hit_rate_percent", Percent(hits, total)}}},
                         {"control", ControlSummaryJson(control)}};
  return body.dump();
}

http::Response CacheStatsResponse(const ViewService& service) {
  return NoStore(http::JsonResponse(CacheStatsJson(service)));
}

http::Response InvalidateResponse(ViewService& service, const http::Request& request,
                                  const http::RouteParams& params, std::string_view auth_token) {
  ControlArgs args;
  if (auto refused = AdmitControl(service, request, params, auth_token, "invalidate", args)) {
    return std::move(*refused);
  }
  const auto removed = service.control().Invalidate(AsView(args.cache_name), AsView(args.key));
  if (!removed) return UnknownCache(*args.cache_name);
  std::size_t total = 0;
  nlohmann::json invalidated = nlohmann::json::object();
  for (const auto& [cache_name, count] : *removed) {
    invalidated[cache_name] = count;
    total += count;
  }
  spdlog::info("cache invalidate on {} by client {}: {}{} ({} entries)", service.source(),
               request.client_address, args.cache_name.value_or("all caches"),
               args.key ? " key " + *args.key : std::string(), total);
  nlohmann::json body = {
      {"invalidated", std::move(invalidated)}, {"total", total}, {"source", service.source()}};
  if (args.key) body["key"] = *args.key;
  return NoStore(http::JsonResponse(Dump(body)));
}

http::Response WarmResponse(ViewService& service, const http::Request& request,
                            const http::RouteParams& params, std::string_view auth_token) {
  ControlArgs args;
  if (auto refused = AdmitControl(service, request, params, auth_token, "warm", args)) {
    return std::move(*refused);
  }
  const auto report = service.control().Warm(AsView(args.cache_name));
  if (!report) return UnknownCache(*args.cache_name);
  std::size_t started = 0;
  for (const auto& [cache_name, keys] : report->started) started += keys.size();
  spdlog::info("cache warm on {} by client {}: {} ({} loads started)", service.source(),
               request.client_address, args.cache_name.value_or("all caches"), started);
  const nlohmann::json body = {{"source", service.source()},
                               {"started", report->started},
                               {"joined", report->joined},
                               {"total_started", started}};
  http::Response response = NoStore(http::JsonResponse(Dump(body)));
  response.status = 202;
  return response;
}

}  // namespace queuemon::api
