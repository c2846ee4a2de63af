#pragma once
// Api: builds the http::Router of queuemond's whole HTTP API (design.md "HTTP API") over the configured
// sources, and holds the little mutable state the handlers share: the readiness flag and the
// bearer token of mutating endpoints.
//
//   GET  /api/v1/{source}/workers/status | queues/status | tasks/status | tasks/{task_id}
//        | metrics/summary | health | cache/stats
//   POST /api/v1/{source}/cache/invalidate[?cache_name=NAME][&key=GLOB]   cache/warm[?cache_name=NAME]
//   GET  /metrics   /healthz   /readyz
//   GET  /   the status page to a browser (Accept: text/html), else the JSON index (also at
//        /api/v1); /ui/ and /ui/<file>: the status page (status_page.h)
//
// Ownership: borrows the ViewServices and http::HttpMetrics (they must outlive the Api); owns the
// http::Router, which the http::HttpServer borrows. Thread-safety: router() is immutable after
// construction; SetReady/SetAuthToken may be called from any thread while serving.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "http/metrics.h"
#include "http/router.h"
#include "api/source_views.h"
#include "api/view_service.h"

namespace queuemon::api {

struct ApiOptions {
  // Bearer token for POST /cache/invalidate; "" = loopback clients only. The daemon loads it
  // (config http.auth_token_file or $CREDENTIALS_DIRECTORY/<name>) and passes the string.
  std::string auth_token;
};

class Api final {
 public:
  Api(std::vector<ViewService*> sources, http::HttpMetrics& metrics, ApiOptions options);
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  const http::Router& router() const { return router_; }

  // /readyz answers 200 only while ready; `reason` is the 503 detail otherwise. Starts not ready.
  void SetReady(bool ready, std::string reason = "warming up");
  bool ready() const { return ready_.load(std::memory_order_acquire); }
  void SetAuthToken(std::string token);

 private:
  void AddSourceRoutes(ViewService& source);
  void AddCacheRoutes(ViewService& source, const std::string& prefix);
  void AddGlobalRoutes();
  std::string AuthToken() const;
  std::string NotReadyReason() const;
  http::Response NotFound(std::string_view path) const;
  http::Response IndexResponse() const;

  std::vector<ViewService*> sources_;
  http::HttpMetrics& metrics_;
  std::atomic<bool> ready_{false};
  mutable base::Mutex mu_;
  std::string auth_token_ GUARDED_BY(mu_);
  std::string not_ready_reason_ GUARDED_BY(mu_);
  http::Router router_;
};

}  // namespace queuemon::api
