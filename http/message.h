#pragma once
// Request / Response: the Beast-free HTTP messages that the router and handlers see. The session
// (server.cc, the only TU that includes Beast for serving) converts to and from Beast types,
// so handlers stay pure and quick to compile.
//
// Ownership: a Response may reference a cached body without copying it: `body_view` points into
// memory kept alive by `body_owner` (e.g. the shared_ptr<const cache::Entry>) until the
// response has been written. The same owner keeps `header_block` alive: header lines that a
// cache entry serialised once when it was stored, so that a HIT builds no fields for them.
// Plain value types; not thread-safe, not shared.

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <boost/container/small_vector.hpp>

namespace queuemon::http {

enum class Method { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };

std::string_view MethodName(Method method);

struct Request {
  Method method = Method::kGet;
  std::string target;           // origin-form, still percent-encoded, e.g. "/a/b?use_cache=0"
  std::string if_none_match;    // header value, "" if absent
  std::string authorization;    // header value, "" if absent
  std::string client_address;   // "127.0.0.1" / "::1"
  bool client_is_loopback = false;
  std::string body;             // at most http.max_body_bytes; empty for most requests
  // Content negotiation (negotiation.h), decided once from the headers without copying them.
  bool accepts_html = false;    // Accept lists text/html: a browser navigating
  bool accepts_gzip = false;    // Accept-Encoding allows gzip
};

struct Response {
  // Inline room for the headers a response carries (a HIT's four varying ones, an error's
  // Content-Type and Retry-After), so that building one does not allocate.
  using Headers = boost::container::small_vector<std::pair<std::string, std::string>, 6>;

  int status = 200;
  Headers headers;                     // besides Content-Length, Server, Connection
  // Pre-serialised header lines ("Name: value\r\n" each) written after `headers`; points into
  // memory kept alive by body_owner. The names must not repeat any of `headers`.
  std::string_view header_block;
  std::string body;                    // used when body_owner is null
  std::shared_ptr<const void> body_owner;  // keeps body_view and header_block alive
  std::string_view body_view;          // used when body_owner is set

  void SetHeader(std::string name, std::string value);
  // The first value of header `name` (case-insensitive) in `headers`, then in `header_block`;
  // "" if absent.
  std::string_view Header(std::string_view name) const;
  std::string_view Body() const { return body_owner ? body_view : std::string_view(body); }
};

// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x.x.x).
bool IsLoopbackAddress(std::string_view address);

}  // namespace queuemon::http
