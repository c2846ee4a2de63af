#pragma once
// Prometheus text exposition (format 0.0.4) of /metrics: celery-exporter-compatible worker and
// queue gauges from each source's workers and queues views (read through the cache by
// ReadSourceViews, so as fresh as a JSON client's), plus queuemon_ series for caches,
// sources and HTTP. A view with no data younger than ttl + stale_for contributes no series.
// Builds a string; no I/O; thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "http/metrics.h"
#include "api/source_views.h"

namespace queuemon::api {

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string RenderPrometheus(const std::vector<SourceViews>& views, const http::HttpMetrics& http);

}  // namespace queuemon::api
