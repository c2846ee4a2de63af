#pragma once
// The status line and header block of a Response, serialised by hand into a caller-owned
// string so that the session can send head and body in one gather write without building a
// beast::http::fields (one heap node per field) for every response. The bytes are exactly those
// Beast writes for the equivalent beast::http::response whose fields are set in this order:
// `response.headers`, the lines of `response.header_block`, Server, Connection (as
// keep_alive(keep_alive) sets it for `version`), Content-Length (unless the status has no
// body); tests/api/response_head_test.cc holds that against Beast's own serialiser.
// Pure function; thread-safe.

#include <string>

#include "http/message.h"

namespace queuemon::http {

// The Server header every response carries.
inline constexpr std::string_view kServerName = "queuemond";

// True if a response with `status` carries no body and no Content-Length (1xx, 204, 304).
bool StatusHasNoBody(int status);

// Appends the head of `response` (status line, fields, blank line) to `out`. `version` is
// 10 or 11 (HTTP/1.0, HTTP/1.1). Content-Length is the size of response.Body() even for a
// HEAD request, whose body the caller then leaves out.
void AppendResponseHead(std::string& out, const Response& response, unsigned version,
                        bool keep_alive);

}  // namespace queuemon::http
