#include "http/listen_address.h"

#include <charconv>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>

namespace queuemon::http {
namespace {

std::nullopt_t Fail(std::string* why, std::string reason) {
  if (why != nullptr) *why = std::move(reason);
  return std::nullopt;
}

}  // namespace

std::optional<boost::asio::ip::tcp::endpoint> ParseListenAddress(std::string_view listen,
                                                                 std::string* why) {
  constexpr std::string_view kHint = "must be <IP>:<port>, e.g. 127.0.0.1:8080 or [::1]:8080";
  const auto authority = boost::urls::parse_authority(listen);
  if (!authority || authority->has_userinfo() || !authority->has_port()) {
    return Fail(why, std::string(kHint));
  }
  const auto type = authority->host_type();
  if (type != boost::urls::host_type::ipv4 && type != boost::urls::host_type::ipv6) {
    return Fail(why, std::string(kHint));
  }
  const std::string_view port_text = authority->port();
  unsigned long port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return Fail(why, "port must be 0..65535");
  }
  boost::system::error_code bad;
  const auto address = boost::asio::ip::make_address(std::string(authority->host_address()), bad);
  if (bad) return Fail(why, std::string(kHint));
  return boost::asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace queuemon::http
