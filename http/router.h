#pragma once
// Router: the (method, path pattern) -> handler table. Boost.URL parses the request target
// (origin-form, percent-decoding of path segments and query parameters); patterns are literal
// segments and `{name}` placeholders, e.g. "/api/v1/items/{id}". Routes are tried in
// registration order, so register literals ("tasks/status") before placeholders ("tasks/{id}").
//
// Outcomes of Match: a handler plus its parameters; or a ready error response: 400 (target not
// parseable, e.g. bad percent-encoding), 404 (no pattern matches) or 405 with `Allow` (a pattern
// matches but not for this method). HEAD is allowed wherever GET is (the session drops the body).
//
// Thread-safety: build it once (Add) before serving; afterwards Match is const and may be called
// from any thread concurrently.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "http/message.h"

namespace queuemon::http {

// What a handler receives besides the request: decoded path placeholders and query parameters.
struct RouteParams {
  std::map<std::string, std::string, std::less<>> path;        // {name} -> decoded segment
  std::vector<std::pair<std::string, std::string>> query;      // decoded, in order
  // The value of the first query parameter `name`, or nullopt.
  std::optional<std::string_view> Query(std::string_view name) const;
};

using Handler = std::function<boost::asio::awaitable<Response>(const Request&, const RouteParams&)>;

class Router final {
 public:
  struct Match {
    const Handler* handler = nullptr;  // points into the router; valid while it lives
    RouteParams params;
  };

  // REQUIRES: not yet serving. `pattern` starts with '/'. Adding the same (method, pattern)
  // twice replaces the handler.
  void Add(Method method, std::string_view pattern, Handler handler);

  // Either a handler to call or an error response to send as is.
  std::variant<Match, Response> Route(Method method, std::string_view target) const;

  // The registered patterns (for the landing page).
  std::vector<std::string> Patterns() const;

  // Builds the 404 for a decoded path that no pattern matches (default: "no such endpoint"),
  // so the API can name what is wrong, e.g. an unknown source. REQUIRES: not yet serving.
  using NotFound = std::function<Response(std::string_view path)>;
  void SetNotFound(NotFound not_found) { not_found_ = std::move(not_found); }

 private:
  struct RouteEntry {
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" marks a placeholder
    std::vector<std::pair<Method, Handler>> handlers;
  };
  NotFound not_found_;
  static bool MatchSegments(const RouteEntry& route, const std::vector<std::string>& segments,
                            RouteParams* params);
  static std::string AllowHeader(const RouteEntry& route);

  std::vector<RouteEntry> routes_;
};

// Parses a boolean query value: true|false|1|0, any case. nullopt for anything else.
std::optional<bool> ParseBoolParam(std::string_view value);

}  // namespace queuemon::http
