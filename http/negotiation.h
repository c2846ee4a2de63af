#pragma once
// Content negotiation on request headers (RFC 9110 §12.5): what a client accepts, read once per
// request by the session into Request::accepts_html / accepts_gzip. Pure functions; thread-safe.

#include <string_view>

namespace queuemon::http {

// True if the Accept value lists text/html without q=0 (or, when it does not list it, text/*
// without q=0): a browser navigating.
// `*/*` alone does not count: API clients such as curl send it and want JSON.
bool AcceptsHtml(std::string_view accept);

// True if the Accept-Encoding value lists `coding` without q=0, or, when it does not list it,
// lists `*` without q=0.
bool AcceptsEncoding(std::string_view accept_encoding, std::string_view coding);

}  // namespace queuemon::http
