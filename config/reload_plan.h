#pragma once
// What a SIGHUP may change on a running daemon. Reloadable: cache ttl/refresh/stale/sizes,
// cache_events.*, http.request_timeout_ms, http.auth_token_file (re-read),
// http.gzip_min_bytes (for entries stored from then on), log_level, access_log, sweep.*.
// Everything else (the listen address, threads, every source setting including the broker,
// the other HTTP limits, startup.*) is fixed for the process's life: a reload that changes one
// of them is refused as a whole, so the running config never ends up half-applied.
//
// Pure functions; thread-safe.

#include <optional>
#include <string>

#include "config/config.h"

namespace queuemon::config {

// The JSON path of the first restart-only setting that differs between `running` and `next`
// (e.g. "listen", "sources[0].broker"), or nullopt if `next` can be applied in place.
std::optional<std::string> RestartOnlyChange(const Config& running, const Config& next);

}  // namespace queuemon::config
