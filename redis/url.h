#pragma once
// RedisUrl: where and how to reach a Redis broker, parsed (with Boost.URL) from
//   redis://[[user]:password@]host[:port][/db]     TCP; port defaults to 6379, db to 0
//   unix:///path/to/socket[?db=N]                  Unix domain socket
// User and password are percent-decoded. rediss:// (TLS) is rejected: it is not supported.
// Plain data; ParseRedisUrl is a pure function (thread-safe).

#include <boost/system/result.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace queuemon::redis {

struct RedisUrl {
  enum class Transport { kTcp, kUnix };

  Transport transport = Transport::kTcp;
  std::string host;           // kTcp: name or IP literal (IPv6 without brackets)
  std::uint16_t port = 6379;  // kTcp
  std::string socket_path;    // kUnix: absolute path
  std::string user;           // empty: the default user (AUTH password)
  std::string password;       // empty: no AUTH
  int db = 0;                 // SELECTed after connecting when non-zero
};

// The highest db index accepted (Redis' own limit is its `databases` setting; this only rejects
// nonsense such as negative or overflowing numbers).
inline constexpr int kMaxRedisDb = 1'000'000;

// Parses `url`. On failure returns Errc::kInvalidArgument and, if `why` is given, stores a
// one-line explanation naming the offending part (never the password).
boost::system::result<RedisUrl> ParseRedisUrl(std::string_view url, std::string* why = nullptr);

// `url` with any password replaced by "***", for logs and error messages; also for URLs that do
// not parse, where everything between "://" and the last '@' is hidden. The one redaction of
// broker URLs (daemon logs and config errors use it too).
std::string RedactRedisUrl(std::string_view url);

}  // namespace queuemon::redis
