#include "http/router.h"

#include <algorithm>
#include <cctype>

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "http/response.h"

namespace queuemon::http {
namespace {

bool IsPlaceholder(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

std::vector<std::string> SplitPattern(std::string_view pattern) {
  std::vector<std::string> segments;
  if (!pattern.empty() && pattern.front() == '/') pattern.remove_prefix(1);
  while (true) {
    const auto slash = pattern.find('/');
    segments.emplace_back(pattern.substr(0, slash));
    if (slash == std::string_view::npos) break;
    pattern.remove_prefix(slash + 1);
  }
  if (segments.size() == 1 && segments.front().empty()) segments.clear();  // "/"
  return segments;
}

}  // namespace

std::optional<std::string_view> RouteParams::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

void Router::Add(Method method, std::string_view pattern, Handler handler) {
  auto it = std::find_if(routes_.begin(), routes_.end(),
                         [&](const RouteEntry& r) { return r.pattern == pattern; });
  if (it == routes_.end()) {
    routes_.push_back(RouteEntry{std::string(pattern), SplitPattern(pattern), {}});
    it = routes_.end() - 1;
  }
  for (auto& [m, h] : it->handlers) {
    if (m == method) {
      h = std::move(handler);
      return;
    }
  }
  it->handlers.emplace_back(method, std::move(handler));
}

bool Router::MatchSegments(const RouteEntry& route, const std::vector<std::string>& segments,
                           RouteParams* params) {
  if (route.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (IsPlaceholder(want)) {
      if (segments[i].empty()) return false;
      params->path[want.substr(1, want.size() - 2)] = segments[i];
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

std::string Router::AllowHeader(const RouteEntry& route) {
  std::string allow;
  bool has_get = false, has_head = false;
  for (const auto& [m, h] : route.handlers) {
    has_get |= m == Method::kGet;
    has_head |= m == Method::kHead;
    if (!allow.empty()) allow += ", ";
    allow += MethodName(m);
  }
  if (has_get && !has_head) allow += ", HEAD";
  return allow;
}

std::variant<Router::Match, Response> Router::Route(Method method, std::string_view target) const {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) {
    return JsonError(400, "bad_request",
                     "request target is not a valid origin-form URL (" + url.error().message() +
                         "), e.g. invalid percent-encoding");
  }
  std::vector<std::string> segments(url->segments().begin(), url->segments().end());
  // With a decoded path, "/a%2Fb" would read as two segments; reject encoded slashes instead.
  if (url->encoded_path().find("%2F") != boost::urls::string_view::npos ||
      url->encoded_path().find("%2f") != boost::urls::string_view::npos) {
    return JsonError(400, "bad_request", "encoded '/' is not allowed in the path");
  }
  for (const RouteEntry& route : routes_) {
    Match match;
    if (!MatchSegments(route, segments, &match.params)) continue;
    const Method wanted = method == Method::kHead ? Method::kGet : method;
    for (const auto& [m, h] : route.handlers) {
      if (m == method || m == wanted) {
        match.handler = &h;
        const boost::urls::encoding_opts form_style(/*space_as_plus=*/true);
        for (const auto& param : url->params(form_style)) {
          match.params.query.emplace_back(param.key, param.value);
        }
        return match;
      }
    }
    Response response =
        JsonError(405, "method_not_allowed",
                  std::string(MethodName(method)) + " is not allowed on " + route.pattern);
    response.SetHeader("Allow", AllowHeader(route));
    return response;
  }
  if (not_found_) return not_found_(url->path());
  return JsonError(404, "not_found", "no such endpoint: " + std::string(url->path()));
}

std::vector<std::string> Router::Patterns() const {
  std::vector<std::string> patterns;
  for (const RouteEntry& route : routes_) patterns.push_back(route.pattern);
  return patterns;
}

std::optional<bool> ParseBoolParam(std::string_view value) {
  std::string lower(value);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "true" || lower == "1") return true;
  if (lower == "false" || lower == "0") return false;
  return std::nullopt;
}

}  // namespace queuemon::http
