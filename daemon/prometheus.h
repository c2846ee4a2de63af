#pragma once
// Prometheus text exposition (format 0.0.4) of /metrics: celery-exporter-compatible worker and
// queue gauges from each source's latest cached snapshot, plus queuemon_ series for caches,
// collectors and HTTP. Builds a string; no I/O; thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "daemon/http_metrics.h"
#include "daemon/view_service.h"

namespace queuemon::daemon {

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string RenderPrometheus(const std::vector<ViewService*>& sources, const HttpMetrics& http);

// Escapes a label value: backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view value);

}  // namespace queuemon::daemon
