#pragma once
// /api/v1/{source}/cache/stats and POST /api/v1/{source}/cache/invalidate. Pure functions over
// a ViewService; thread-safe.

#include <string>
#include <string_view>

#include "http/message.h"
#include "http/router.h"
#include "api/view_service.h"

namespace queuemon::api {

// The original's /cache/stats shape (design.md) plus extra fields (stale, bytes, max_bytes,
// source).
http::Response CacheStatsResponse(const ViewService& service);
// The /cache/stats JSON document itself: besides the original's fields, each cache's "control"
// (what each cause refreshed, coalesced and dropped) and a top-level "control" (the triggers by
// cause and min_refresh_interval_ms).
std::string CacheStatsJson(const ViewService& service);

// Checks authorization (see auth.h) against `auth_token`, then clears one cache
// (?cache_name=NAME; unknown -> 404) or all, or with ?key=GLOB only the keys matching it; logs
// the client address. Arguments may come as a JSON body {"cache_name": ..., "key": ...} too.
// Body: {"invalidated": {"worker_status": 3}, "total": 3, "source": "celery"[, "key": GLOB]}.
http::Response InvalidateResponse(ViewService& service, const http::Request& request,
                                  const http::RouteParams& params, std::string_view auth_token);
// POST .../cache/warm[?cache_name=NAME]: authorized as invalidate; starts the loads of the
// cache's (or every cache's) views and stored entries in the background, joining loads in
// flight, and answers 202: {"source", "started": {cache: [keys]}, "joined": {...},
// "total_started"}.
http::Response WarmResponse(ViewService& service, const http::Request& request,
                            const http::RouteParams& params, std::string_view auth_token);

// Now, as RFC 3339 UTC with microseconds, e.g. "2026-11-22T05:03:59.123456Z".
std::string Rfc3339UtcNow();

}  // namespace queuemon::api
