#include "api/auth.h"

#include <string>

#include "http/response.h"

namespace queuemon::api {
namespace {

constexpr std::string_view kBearerPrefix = "Bearer ";

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Walk the whole of `a` whatever the contents; the length difference is folded in too.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const unsigned char y = b.empty() ? 0 : static_cast<unsigned char>(b[i % b.size()]);
    diff |= static_cast<unsigned char>(static_cast<unsigned char>(a[i]) ^ y);
  }
  return diff == 0;
}

std::optional<http::Response> CheckMutationAllowed(const http::Request& request, std::string_view token) {
  if (token.empty()) {
    if (request.client_is_loopback) return std::nullopt;
    return http::JsonError(403, "forbidden",
                     "mutating endpoints answer only to loopback clients unless a bearer token "
                     "is configured");
  }
  std::string_view presented = request.authorization;
  const bool has_bearer = presented.size() > kBearerPrefix.size() &&
                          presented.substr(0, kBearerPrefix.size()) == kBearerPrefix;
  if (has_bearer && ConstantTimeEquals(presented.substr(kBearerPrefix.size()), token)) {
    return std::nullopt;
  }
  http::Response response = http::JsonError(
      401, "unauthorized",
      has_bearer ? "invalid bearer token" : "missing 'Authorization: Bearer <token>' header");
  response.SetHeader("WWW-Authenticate", "Bearer realm=\"queuemon\"");
  return response;
}

}  // namespace queuemon::api
