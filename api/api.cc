#include "api/api.h"

#include <nlohmann/json.hpp>

#include "api/cache_handlers.h"
#include "api/replica_report.h"
#include "base/gzip.h"
#include "http/response.h"
#include "api/prometheus.h"
#include "api/status_page.h"
#include "api/view_handler.h"

#ifndef QUEUEMON_VERSION
#define QUEUEMON_VERSION "dev"
#endif

namespace queuemon::api {
namespace {

using sources::View;

// Wraps a synchronous handler body as the awaitable the router wants.
template <class F>
http::Handler Sync(F f) {
  return [f = std::move(f)](const http::Request& request,
                            const http::RouteParams& params) -> boost::asio::awaitable<http::Response> {
    co_return f(request, params);
  };
}

}  // namespace

Api::Api(std::vector<ViewService*> sources, http::HttpMetrics& metrics, ApiOptions options)
    : sources_(std::move(sources)), metrics_(metrics), auth_token_(std::move(options.auth_token)),
      not_ready_reason_("warming up") {
  for (ViewService* source : sources_) AddSourceRoutes(*source);
  AddGlobalRoutes();
  router_.SetNotFound([this](std::string_view path) { return NotFound(path); });
}

// "/api/v1/<name>/..." with a name that is no configured source says so; anything else is an
// unknown endpoint.
http::Response Api::NotFound(std::string_view path) const {
  constexpr std::string_view kPrefix = "/api/v1/";
  if (path.starts_with(kPrefix)) {
    const std::string_view rest = path.substr(kPrefix.size());
    const std::string_view name = rest.substr(0, rest.find('/'));
    std::string known;
    bool configured = false;
    for (const ViewService* source : sources_) {
      configured = configured || source->source() == name;
      known += (known.empty() ? "" : ", ") + std::string(source->source());
    }
    if (!configured) {
      return http::JsonError(404, "not_found",
                       "no source named '" + std::string(name) + "' (configured: " + known + ")");
    }
  }
  return http::JsonError(404, "not_found", "no such endpoint: " + std::string(path));
}

void Api::SetReady(bool ready, std::string reason) {
  {
    base::MutexLock lock(mu_);
    not_ready_reason_ = std::move(reason);
  }
  ready_.store(ready, std::memory_order_release);
}

void Api::SetAuthToken(std::string token) {
  base::MutexLock lock(mu_);
  auth_token_ = std::move(token);
}

std::string Api::AuthToken() const {
  base::MutexLock lock(mu_);
  return auth_token_;
}

std::string Api::NotReadyReason() const {
  base::MutexLock lock(mu_);
  return not_ready_reason_;
}

void Api::AddSourceRoutes(ViewService& source) {
  const std::string prefix = "/api/v1/" + std::string(source.source());
  for (const sources::ViewSpec& spec : sources::kViews) {  // in the table's (route) order
    const View view = spec.view;
    router_.Add(http::Method::kGet, prefix + std::string(spec.route),
                [&source, view](const http::Request& request, const http::RouteParams& params) {
                  return ServeView(source, view, request, params);
                });
  }
  AddCacheRoutes(source, prefix);
}

void Api::AddCacheRoutes(ViewService& source, const std::string& prefix) {
  router_.Add(http::Method::kGet, prefix + "/cache/stats",
              Sync([&source](const http::Request&, const http::RouteParams&) {
                return CacheStatsResponse(source);
              }));
  router_.Add(http::Method::kPost, prefix + "/cache/invalidate",
              Sync([this, &source](const http::Request& request, const http::RouteParams& params) {
                return InvalidateResponse(source, request, params, AuthToken());
              }));
  router_.Add(http::Method::kPost, prefix + "/cache/warm",
              Sync([this, &source](const http::Request& request, const http::RouteParams& params) {
                return WarmResponse(source, request, params, AuthToken());
              }));
}

http::Response Api::IndexResponse() const {
  nlohmann::json sources = nlohmann::json::array();
  for (const ViewService* s : sources_) {
    sources.push_back({{"name", s->source()}, {"kind", s->data_source().Kind()}});
  }
  nlohmann::json body = {{"service", "queuemond"},
                         {"version", QUEUEMON_VERSION},
                         {"sources", std::move(sources)},
                         {"endpoints", router_.Patterns()},
                         {"status_page", "/ui/"}};
  http::Response response = http::JsonResponse(body.dump(2));
  response.SetHeader("Vary", "Accept");
  return response;
}

void Api::AddGlobalRoutes() {
  router_.Add(http::Method::kGet, "/metrics",
              [this](const http::Request& request, const http::RouteParams&) -> boost::asio::awaitable<http::Response> {
                // A scrape is a client of the workers and queues views (source_views.h).
                const std::vector<SourceViews> views =
                    co_await ReadSourceViews(sources_, cache::Reader::kClient);
                http::Response response;
                response.SetHeader("Content-Type", std::string(kPrometheusContentType));
                response.SetHeader("Cache-Control", "no-store");
                response.SetHeader("Vary", "Accept-Encoding");
                response.body = RenderPrometheus(views, metrics_);
                // Prometheus asks for gzip; the text shrinks about tenfold.
                if (request.accepts_gzip) {
                  response.body = base::Gzip(response.body);
                  response.SetHeader("Content-Encoding", "gzip");
                }
                co_return response;
              });
  router_.Add(http::Method::kGet, "/healthz", Sync([](const http::Request&, const http::RouteParams&) {
                return http::JsonResponse(R"({"status":"ok"})");
              }));
  router_.Add(http::Method::kGet, "/readyz", Sync([this](const http::Request&, const http::RouteParams&) {
                nlohmann::json replication = ReplicationReport(sources_);
                if (ready()) {
                  if (replication.is_null()) return http::JsonResponse(R"({"status":"ready"})");
                  return http::JsonResponse(
                      nlohmann::json{{"status", "ready"}, {"replication", replication}}.dump());
                }
                nlohmann::json body = {{"error", "not_ready"}, {"detail", NotReadyReason()}};
                if (!replication.is_null()) body["replication"] = std::move(replication);
                http::Response response = http::JsonResponse(
                    body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 503);
                response.SetHeader("Retry-After", "1");
                return response;
              }));
  // The JSON index at a stable URL, and at / for API clients; a browser gets the status page.
  router_.Add(http::Method::kGet, "/api/v1", Sync([this](const http::Request&, const http::RouteParams&) {
                return IndexResponse();
              }));
  router_.Add(http::Method::kGet, "/", Sync([this](const http::Request& request, const http::RouteParams&) {
                if (!request.accepts_html) return IndexResponse();
                return StaticFileResponse(*FindStatusPageFile("/ui/"), request);
              }));
  router_.Add(http::Method::kGet, "/ui/", Sync([](const http::Request& request, const http::RouteParams&) {
                return StaticFileResponse(*FindStatusPageFile("/ui/"), request);
              }));
  for (const StaticFile& file : StatusPageFiles()) {
    router_.Add(http::Method::kGet, file.path,
                Sync([&file](const http::Request& request, const http::RouteParams&) {
                  return StaticFileResponse(file, request);
                }));
  }
}

}  // namespace queuemon::api
