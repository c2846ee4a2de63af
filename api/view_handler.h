#pragma once
// The status endpoints (/workers/status, /queues/status, /tasks/status, /tasks/{task_id},
// /metrics/summary, /health): query parsing, then ViewService::Get, then the cached entry as a
// response with the cache headers of design.md. The response references the entry's body
// without copying it. Pure apart from the ViewService call; thread-safe.

#include <boost/asio/awaitable.hpp>

#include "sources/source.h"
#include "http/message.h"
#include "http/router.h"
#include "api/view_service.h"

namespace queuemon::api {

boost::asio::awaitable<http::Response> ServeView(ViewService& service, sources::View view,
                                           const http::Request& request, const http::RouteParams& params);

// The response for a ViewService result: 200 (or 304 when the request's If-None-Match matches
// the ETag) with X-Cache, X-Cache-Age/Age (HIT, STALE), ETag, Cache-Control, Content-Type and,
// for entries made with compression on, Vary: Accept-Encoding; or the JSON error (503, 504 with
// Retry-After; 400/404 for rejected arguments). A request that accepts gzip gets the entry's
// gzip form when it has one (Content-Encoding: gzip, its own ETag); its 304 too is the gzip
// form's. Only the request's if_none_match and accepts_gzip are read.
http::Response ViewResponse(const cache::ReadResult& result, const http::Request& request,
                            std::string_view source);

// True if an If-None-Match header value (a list of entity tags, or "*") matches `etag`
// (weak comparison, as RFC 9110 prescribes for If-None-Match).
bool IfNoneMatchMatches(std::string_view if_none_match, std::string_view etag);

}  // namespace queuemon::api
