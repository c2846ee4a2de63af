#pragma once
// Authorization of mutating endpoints (POST /cache/invalidate): with no token configured only
// loopback clients may call them; with a token every client must send
// `Authorization: Bearer <token>`, compared in constant time. Pure functions; thread-safe.

#include <optional>
#include <string_view>

#include "http/message.h"

namespace queuemon::api {

// Compares two strings in time that depends only on their lengths, not on their contents.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// nullopt if `request` may mutate; otherwise the error response (401 with
// `WWW-Authenticate: Bearer`, or 403 for a non-loopback client when no token is configured).
std::optional<http::Response> CheckMutationAllowed(const http::Request& request, std::string_view token);

}  // namespace queuemon::api
