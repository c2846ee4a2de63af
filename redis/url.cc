#include "redis/url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <optional>
#include <string>

#include "redis/errors.h"

namespace queuemon::redis {
namespace {

namespace urls = boost::urls;

// Records the reason and yields the error, so each check is one line.
boost::system::error_code Fail(std::string* why, std::string reason) {
  if (why != nullptr) *why = std::move(reason);
  return MakeErrorCode(Errc::kInvalidArgument);
}

// Parses a decimal db index in [0, kMaxRedisDb]; nullopt on anything else.
std::optional<int> ParseDb(std::string_view text) {
  int db = -1;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, db);
  if (text.empty() || ec != std::errc() || ptr != end || db < 0 || db > kMaxRedisDb) {
    return std::nullopt;
  }
  return db;
}

boost::system::result<void> ParseUserinfo(const urls::url_view& u, RedisUrl& out,
                                          std::string* why) {
  if (!u.has_userinfo()) return {};
  if (!u.has_password()) {
    return Fail(why, "redis URL userinfo must be [user]:password@ (missing ':')");
  }
  out.user = u.user();
  out.password = u.password();
  if (out.password.empty()) return Fail(why, "redis URL has an empty password");
  return {};
}

boost::system::result<RedisUrl> ParseTcp(const urls::url_view& u, std::string* why) {
  RedisUrl out;
  out.transport = RedisUrl::Transport::kTcp;
  if (!u.has_authority() || u.host_address().empty()) {
    return Fail(why, "redis URL needs a host: redis://host[:port][/db]");
  }
  if (u.host_type() == urls::host_type::ipvfuture) {
    return Fail(why, "redis URL host is not a name or IP address");
  }
  out.host = u.host_address();
  if (u.has_port()) {
    int port = 0;
    std::string_view text = u.port();
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || port < 1 ||
        port > 65535) {
      return Fail(why, "redis URL port must be 1..65535, got '" + std::string(text) + "'");
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  if (auto r = ParseUserinfo(u, out, why); !r) return r.error();
  std::string path = u.path();
  if (!path.empty() && path != "/") {
    auto db = ParseDb(std::string_view(path).substr(1));
    if (path.front() != '/' || !db) {
      return Fail(why, "redis URL path must be /<db> with db in 0.." + std::to_string(kMaxRedisDb) +
                           ", got '" + path + "'");
    }
    out.db = *db;
  }
  if (u.has_query()) return Fail(why, "redis URL query parameters are not supported");
  return out;
}

boost::system::result<RedisUrl> ParseUnix(const urls::url_view& u, std::string* why) {
  RedisUrl out;
  out.transport = RedisUrl::Transport::kUnix;
  if (u.has_authority() && (!u.host_address().empty() || u.has_port())) {
    return Fail(why, "unix URL must be unix:///absolute/path (no host or port)");
  }
  if (auto r = ParseUserinfo(u, out, why); !r) return r.error();
  out.socket_path = u.path();
  if (out.socket_path.size() < 2 || out.socket_path.front() != '/') {
    return Fail(why, "unix URL needs an absolute socket path: unix:///path/to/socket");
  }
  for (const auto& param : u.params()) {
    if (param.key != "db") {
      return Fail(why, "unix URL query parameter '" + param.key + "' is not supported (only db)");
    }
    auto db = ParseDb(param.value);
    if (!param.has_value || !db) {
      return Fail(why, "unix URL db must be in 0.." + std::to_string(kMaxRedisDb) + ", got '" +
                           param.value + "'");
    }
    out.db = *db;
  }
  return out;
}

}  // namespace

boost::system::result<RedisUrl> ParseRedisUrl(std::string_view url, std::string* why) {
  auto parsed = urls::parse_uri(url);
  if (!parsed) return Fail(why, "not a valid URL: " + parsed.error().message());
  const urls::url_view& u = *parsed;
  if (u.has_fragment()) return Fail(why, "redis URL must not have a #fragment");
  const std::string_view scheme = u.scheme();
  if (scheme == "redis") return ParseTcp(u, why);
  if (scheme == "unix") return ParseUnix(u, why);
  if (scheme == "rediss") {
    return Fail(why, "rediss:// (TLS) is not supported; use redis:// or unix://");
  }
  return Fail(
      why, "unsupported URL scheme '" + std::string(scheme) + "' (expected redis:// or unix://)");
}

std::string RedactRedisUrl(std::string_view url) {
  if (const auto parsed = urls::parse_uri_reference(url); parsed && parsed->has_password()) {
    urls::url copy(*parsed);
    copy.set_encoded_password("***");
    return std::string(copy.buffer());
  }
  // Unparseable, or parsed without a password although one may be there (a '/' inside it ends
  // the authority early: redis://u:pa/ss@h/0): hide everything between "://" and the last '@'.
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto at = url.rfind('@');
  if (at == std::string_view::npos || at < scheme_end) return std::string(url);
  return std::string(url.substr(0, scheme_end + 3)) + "***" + std::string(url.substr(at));
}

}  // namespace queuemon::redis
