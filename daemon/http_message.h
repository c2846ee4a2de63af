#pragma once
// Request / Response: the Beast-free HTTP messages that the router and handlers see. The session
// (http_server.cc, the only TU that includes Beast for serving) converts to and from Beast types,
// so handlers stay pure and quick to compile.
//
// Ownership: a Response may reference a cached body without copying it: `body_view` points into
// memory kept alive by `body_owner` (e.g. the shared_ptr<const cache::Entry>) until the
// response has been written. Plain value types; not thread-safe, not shared.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace queuemon::daemon {

enum class Method { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };

std::string_view MethodName(Method method);

struct Request {
  Method method = Method::kGet;
  std::string target;           // origin-form, still percent-encoded, e.g. "/a/b?use_cache=0"
  std::string if_none_match;    // header value, "" if absent
  std::string authorization;    // header value, "" if absent
  std::string client_address;   // "127.0.0.1" / "::1"
  bool client_is_loopback = false;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Length
  std::string body;                    // used when body_owner is null
  std::shared_ptr<const void> body_owner;  // keeps body_view alive while it is written
  std::string_view body_view;          // used when body_owner is set

  void SetHeader(std::string name, std::string value);
  // The first value of header `name` (case-insensitive), or "" if absent.
  std::string_view Header(std::string_view name) const;
  std::string_view Body() const { return body_owner ? body_view : std::string_view(body); }
};

}  // namespace queuemon::daemon
