#include "daemon/api.h"

#include <nlohmann/json.hpp>

#include "daemon/cache_handlers.h"
#include "daemon/http_response.h"
#include "daemon/prometheus.h"
#include "daemon/status_handler.h"

#ifndef QUEUEMON_VERSION
#define QUEUEMON_VERSION "dev"
#endif

namespace queuemon::daemon {
namespace {

using collectors::View;

// Wraps a synchronous handler body as the awaitable the router wants.
template <class F>
Handler Sync(F f) {
  return [f = std::move(f)](const Request& request,
                            const RouteParams& params) -> boost::asio::awaitable<Response> {
    co_return f(request, params);
  };
}

}  // namespace

Api::Api(std::vector<ViewService*> sources, HttpMetrics& metrics, ApiOptions options)
    : sources_(std::move(sources)), metrics_(metrics), auth_token_(std::move(options.auth_token)),
      not_ready_reason_("warming up") {
  for (ViewService* source : sources_) AddSourceRoutes(*source);
  AddGlobalRoutes();
  router_.SetNotFound([this](std::string_view path) { return NotFound(path); });
}

// "/api/v1/<name>/..." with a name that is no configured source says so; anything else is an
// unknown endpoint.
Response Api::NotFound(std::string_view path) const {
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
      return JsonError(404, "not_found",
                       "no source named '" + std::string(name) + "' (configured: " + known + ")");
    }
  }
  return JsonError(404, "not_found", "no such endpoint: " + std::string(path));
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
  struct ViewRoute {
    const char* path;
    View view;
  };
  // Literal "tasks/status" before the "tasks/{task_id}" placeholder: routes match in order.
  static constexpr ViewRoute kViews[] = {
      {"/workers/status", View::kWorkers}, {"/queues/status", View::kQueues},
      {"/tasks/status", View::kTasks},     {"/tasks/{task_id}", View::kTask},
      {"/metrics/summary", View::kSummary}, {"/health", View::kHealth}};
  for (const ViewRoute& route : kViews) {
    const View view = route.view;
    router_.Add(Method::kGet, prefix + route.path,
                [&source, view](const Request& request, const RouteParams& params) {
                  return ServeView(source, view, request, params);
                });
  }
  AddCacheRoutes(source, prefix);
}

void Api::AddCacheRoutes(ViewService& source, const std::string& prefix) {
  router_.Add(Method::kGet, prefix + "/cache/stats",
              Sync([&source](const Request&, const RouteParams&) {
                return CacheStatsResponse(source);
              }));
  router_.Add(Method::kPost, prefix + "/cache/invalidate",
              Sync([this, &source](const Request& request, const RouteParams& params) {
                return InvalidateResponse(source, request, params, AuthToken());
              }));
}

void Api::AddGlobalRoutes() {
  router_.Add(Method::kGet, "/metrics",
              [this](const Request&, const RouteParams&) -> boost::asio::awaitable<Response> {
                // A scrape is a client of the workers and queues views (source_views.h).
                const std::vector<SourceViews> views =
                    co_await ReadSourceViews(sources_, Reader::kClient);
                Response response;
                response.SetHeader("Content-Type", std::string(kPrometheusContentType));
                response.SetHeader("Cache-Control", "no-store");
                response.body = RenderPrometheus(views, metrics_);
                co_return response;
              });
  router_.Add(Method::kGet, "/healthz", Sync([](const Request&, const RouteParams&) {
                return JsonResponse(R"({"status":"ok"})");
              }));
  router_.Add(Method::kGet, "/readyz", Sync([this](const Request&, const RouteParams&) {
                if (ready()) return JsonResponse(R"({"status":"ready"})");
                Response response = JsonError(503, "not_ready", NotReadyReason());
                response.SetHeader("Retry-After", "1");
                return response;
              }));
  router_.Add(Method::kGet, "/", Sync([this](const Request&, const RouteParams&) {
                nlohmann::json body = {{"service", "queuemond"},
                                       {"version", QUEUEMON_VERSION},
                                       {"endpoints", router_.Patterns()}};
                return JsonResponse(body.dump(2));
              }));
}

}  // namespace queuemon::daemon
