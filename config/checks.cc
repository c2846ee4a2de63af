#include "config/checks.h"

#include <boost/asio/ip/address.hpp>

#include "http/listen_address.h"
#include "amqp/url.h"
#include "redis/url.h"
#include "config/config.h"

namespace queuemon::config {
namespace {

[[noreturn]] void Fail(std::string_view path, std::string_view what, std::string_view shown) {
  throw ConfigError(std::string(path) + ": " + std::string(what) + " (got \"" +
                    std::string(shown) + "\")");
}

}  // namespace

void CheckListenAddress(std::string_view value, std::string_view path) {
  std::string why;
  if (!http::ParseListenAddress(value, &why)) Fail(path, why, value);
}

std::string CanonicalIpAddress(std::string_view value, std::string_view path) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(value), ec);
  if (ec) Fail(path, "must be an IP address, e.g. 10.0.0.5 or ::1", value);
  return address.to_string();
}

void CheckAmqpUrl(std::string_view value, std::string_view path) {
  std::string why;
  if (!amqp::ParseAmqpUrl(value, &why)) Fail(path, why, redis::RedactRedisUrl(value));
}

void CheckRedisUrl(std::string_view value, std::string_view path) {
  // The client's own grammar: whatever it would refuse at start-up is refused here, so
  // --check-config and start-up never disagree (and start-up never echoes the raw URL).
  std::string why;
  if (!redis::ParseRedisUrl(value, &why)) Fail(path, why, redis::RedactRedisUrl(value));
}

}  // namespace queuemon::config
