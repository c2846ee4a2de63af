#include "amqp/url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>

#include "amqp/errors.h"

namespace queuemon::amqp {
namespace {

namespace urls = boost::urls;

boost::system::error_code Fail(std::string* why, std::string reason) {
  if (why != nullptr) *why = std::move(reason);
  return MakeErrorCode(Errc::kInvalidArgument);
}

}  // namespace

bool IsAmqpUrl(std::string_view url) {
  return url.starts_with("amqp://") || url.starts_with("amqps://");
}

boost::system::result<AmqpUrl> ParseAmqpUrl(std::string_view url, std::string* why) {
  const auto parsed = urls::parse_uri(url);
  if (!parsed) return Fail(why, "not a URL: amqp://[user:password@]host[:port]/vhost");
  AmqpUrl out;
  if (parsed->scheme() == "amqps") {
    out.tls = true;
    out.port = 5671;
  } else if (parsed->scheme() != "amqp") {
    return Fail(why, "AMQP URL scheme must be amqp:// or amqps://");
  }
  if (!parsed->has_authority() || parsed->host_address().empty() ||
      parsed->host_type() == urls::host_type::ipvfuture) {
    return Fail(why, "AMQP URL needs a host: amqp://host[:port]/vhost");
  }
  out.host = parsed->host_address();
  if (parsed->has_port()) {
    const std::string_view text = parsed->port();
    int port = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || port < 1 ||
        port > 65535) {
      return Fail(why, "AMQP URL port must be 1..65535");
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  if (parsed->has_userinfo()) {
    out.user = parsed->user();
    out.password = parsed->has_password() ? std::string(parsed->password()) : std::string();
    if (out.user.empty()) return Fail(why, "AMQP URL has an empty user");
  }
  if (parsed->has_query() || parsed->has_fragment()) {
    return Fail(why, "AMQP URL options (?...) are not supported; use the source's keys");
  }
  // The path is "/<vhost>" with the vhost percent-encoded; kombu reads "", "/" and "//" as "/".
  std::string path = parsed->path();  // decoded
  if (!path.empty()) path.erase(0, 1);
  out.vhost = path.empty() ? "/" : path;
  return out;
}

}  // namespace queuemon::amqp
