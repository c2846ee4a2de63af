#pragma once
// AmqpUrl: where and how to reach an AMQP broker, parsed (with Boost.URL) from Celery's forms
//   amqp://[user[:password]@]host[:port][/vhost]    port 5672
//   amqps://...                                    TLS, port 5671 (system CA bundle)
// Like kombu: user and password default to guest, an empty vhost ("amqp://h" or "amqp://h/")
// is "/", and "amqp://h//" names "/" too; the vhost is percent-decoded ("/%2F" is "/").
// Plain data; ParseAmqpUrl is a pure function (thread-safe). Redaction: redis::RedactRedisUrl,
// which hides the password of any URL.

#include <boost/system/result.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace queuemon::amqp {

struct AmqpUrl {
  bool tls = false;
  std::string host;
  std::uint16_t port = 5672;
  std::string user = "guest";
  std::string password = "guest";
  std::string vhost = "/";
};

// True when `url`'s scheme is amqp:// or amqps:// (what picks the AMQP transport).
bool IsAmqpUrl(std::string_view url);

// Parses `url`. On failure returns Errc::kInvalidArgument and, if `why` is given, stores a
// one-line explanation naming the offending part (never the password).
boost::system::result<AmqpUrl> ParseAmqpUrl(std::string_view url, std::string* why = nullptr);

}  // namespace queuemon::amqp
