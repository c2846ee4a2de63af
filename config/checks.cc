#include "config/checks.h"

#include <charconv>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "redis/url.h"
#include "config/config.h"

namespace queuemon::config {
namespace {

[[noreturn]] void Fail(std::string_view path, std::string_view what, std::string_view shown) {
  throw ConfigError(std::string(path) + ": " + std::string(what) + " (got \"" +
                    std::string(shown) + "\")");
}

bool ParseNumber(std::string_view text, long long& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

void CheckDb(std::string_view db, std::string_view path, std::string_view shown) {
  long long n = 0;
  if (!ParseNumber(db, n) || n < 0 || n > 1'000'000) {
    Fail(path, "database must be a number >= 0", shown);
  }
}

// The collectors parse the URL again at start-up; whatever they would refuse is refused here,
// so --check-config and start-up never disagree (and start-up never echoes the raw URL). Both
// schemes: fuzz_redis_url found `unix:u//rn//redis/redis.sock?db=3` accepted here, refused there.
void CheckCollectorAccepts(std::string_view value, std::string_view path, const std::string& shown) {
  std::string why;
  if (!redis::ParseRedisUrl(value, &why)) Fail(path, why, shown);
}

}  // namespace

void CheckListenAddress(std::string_view value, std::string_view path) {
  const auto authority = boost::urls::parse_authority(value);
  constexpr std::string_view kHint = "must be <IP>:<port>, e.g. 127.0.0.1:8080 or [::1]:8080";
  if (!authority || authority->has_userinfo() || !authority->has_port()) Fail(path, kHint, value);
  const auto type = authority->host_type();
  if (type != boost::urls::host_type::ipv4 && type != boost::urls::host_type::ipv6) {
    Fail(path, kHint, value);
  }
  long long port = 0;
  if (!ParseNumber(authority->port(), port) || port > 65535) {
    Fail(path, "port must be 0..65535", value);
  }
}

std::string CanonicalIpAddress(std::string_view value, std::string_view path) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(value), ec);
  if (ec) Fail(path, "must be an IP address, e.g. 10.0.0.5 or ::1", value);
  return address.to_string();
}

void CheckRedisUrl(std::string_view value, std::string_view path) {
  const std::string shown = redis::RedactRedisUrl(value);
  const auto uri = boost::urls::parse_uri(value);
  if (!uri) Fail(path, "is not a URL (expected redis://host:port/db or unix:///path)", shown);
  const auto scheme = uri->scheme();
  if (scheme == "unix") {
    if (uri->path().empty() || uri->path() == "/") Fail(path, "unix:// URL needs a socket path", shown);
    for (const auto& param : uri->params()) {
      if (param.key != "db") Fail(path, "unix:// URL accepts only the query ?db=N", shown);
      CheckDb(param.value, path, shown);
    }
    CheckCollectorAccepts(value, path, shown);
    return;
  }
  if (scheme != "redis") {
    Fail(path, "scheme must be redis:// or unix:// (TLS is not supported)", shown);
  }
  if (uri->host().empty()) Fail(path, "redis:// URL needs a host", shown);
  if (uri->has_port()) {
    long long port = 0;
    if (!ParseNumber(uri->port(), port) || port < 1 || port > 65535) {
      Fail(path, "port must be 1..65535", shown);
    }
  }
  if (uri->has_query() || uri->has_fragment()) Fail(path, "query options are not supported", shown);
  std::string_view db = uri->encoded_path();
  if (!db.empty()) db.remove_prefix(1);  // the leading '/'
  if (!db.empty()) CheckDb(db, path, shown);
  CheckCollectorAccepts(value, path, shown);
}

}  // namespace queuemon::config
