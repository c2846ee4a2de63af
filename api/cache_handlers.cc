#include "api/cache_handlers.h"

#include <chrono>
#include <cmath>
#include <ctime>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/auth.h"
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
          {"max_bytes", s.max_bytes}};
}

// The cache to invalidate, from `?cache_name=` or a JSON body {"cache_name": "..."} (as the
// original service's clients send it); nullopt = all. Returns a 400 for a body that is not such
// an object, or that names another cache than the query.
std::optional<http::Response> ReadCacheNameArg(const http::Request& request, const http::RouteParams& params,
                                    std::optional<std::string>& name) {
  if (auto query = params.Query("cache_name")) name = std::string(*query);
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return std::nullopt;
  const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (!body.is_object()) {
    return http::JsonError(400, "bad_request",
                     R"(request body must be a JSON object such as {"cache_name": "task_status"})");
  }
  for (const auto& [key, value] : body.items()) {
    if (key != "cache_name") {
      return http::JsonError(400, "bad_request", "unknown key '" + key + "' in the request body (known: cache_name)");
    }
    if (!value.is_string()) return http::JsonError(400, "bad_request", "'cache_name' must be a string");
    const std::string from_body = value.get<std::string>();
    if (name && *name != from_body) {
      return http::JsonError(400, "bad_request", "cache_name differs between the query ('" + *name +
                                               "') and the body ('" + from_body + "')");
    }
    name = from_body;
  }
  return std::nullopt;
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
  for (const auto& [name, stats] : service.CacheStats()) {
    caches[name] = StatsJson(stats);
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
                           {"overall_hit_rate_percent", Percent(hits, total)}}}};
  return body.dump();
}

http::Response CacheStatsResponse(const ViewService& service) {
  http::Response response = http::JsonResponse(CacheStatsJson(service));
  response.SetHeader("Cache-Control", "no-store");
  return response;
}

http::Response InvalidateResponse(ViewService& service, const http::Request& request,
                            const http::RouteParams& params, std::string_view auth_token) {
  if (auto denied = CheckMutationAllowed(request, auth_token)) {
    spdlog::warn("cache invalidate on {} refused for client {}: {}", service.source(),
                 request.client_address, denied->status);
    return std::move(*denied);
  }
  std::optional<std::string> name;
  if (auto bad = ReadCacheNameArg(request, params, name)) return std::move(*bad);
  auto removed = service.Invalidate(name ? std::optional<std::string_view>(*name) : std::nullopt);
  if (!removed) {
    return http::JsonError(404, "not_found", "unknown cache_name '" + std::string(*name) +
                                                 "' (known: " + sources::CategoryList() + ")");
  }
  std::size_t total = 0;
  nlohmann::json invalidated = nlohmann::json::object();
  for (const auto& [cache_name, count] : *removed) {
    invalidated[cache_name] = count;
    total += count;
  }
  spdlog::info("cache invalidate on {} by client {}: {} ({} entries)", service.source(),
               request.client_address, name ? std::string(*name) : std::string("all caches"),
               total);
  nlohmann::json body = {
      {"invalidated", std::move(invalidated)}, {"total", total}, {"source", service.source()}};
  http::Response response = http::JsonResponse(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  response.SetHeader("Cache-Control", "no-store");
  return response;
}

}  // namespace queuemon::api
