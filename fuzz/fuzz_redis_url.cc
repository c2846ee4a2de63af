// Fuzz target: broker URLs and their redaction.
// (1) A URL the config check accepts (queuemon::config::CheckRedisUrl) parses in the client
//     (queuemon::redis::ParseRedisUrl); otherwise the daemon passes --check-config and then fails
//     at start-up. Since issue 12 the check is the client's grammar itself; this guards it.
// (2) Redaction (queuemon::redis::RedactRedisUrl, the one used by logs, errors and /metrics) changes
//     the password and nothing else: for a URL Boost.URL reads with a password, the redacted URL
//     reads back with the password "***" and every other part equal; for any other URL with an
//     '@' after "://", everything between "://" and the last '@' is hidden; a URL without one
//     comes back unchanged. And whenever the collector finds a password (other than "***"), the
//     redaction changed something.
// The properties compare structure, not substrings: a substring search for the password reported
// URLs such as "redis://u9:9:***@h" (password "9:***" is a substring of the correctly redacted
// "redis://u9:***@h"), which CI then failed on.
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "redis/url.h"
#include "config/config.h"
#include "config/checks.h"

namespace {

namespace urls = boost::urls;

bool ConfigAccepts(const std::string& url) {
  try {
    queuemon::config::CheckRedisUrl(url, "sources[0].broker");
    return true;
  } catch (const queuemon::config::ConfigError&) {
    return false;
  }
}

// `url` without its password, for comparing everything else.
std::string WithoutPassword(urls::url_view url) {
  urls::url copy(url);
  copy.remove_password();
  return std::string(copy.buffer());
}

bool RedactsOnlyThePassword(std::string_view url, const std::string& redacted) {
  if (const auto parsed = urls::parse_uri_reference(url); parsed && parsed->has_password()) {
    const auto back = urls::parse_uri_reference(redacted);
    return back && back->has_password() && back->encoded_password() == "***" &&
           WithoutPassword(*back) == WithoutPassword(*parsed);
  }
  const auto scheme_end = url.find("://");
  const auto at = url.rfind('@');
  if (scheme_end == std::string_view::npos || at == std::string_view::npos || at < scheme_end) {
    return redacted == url;
  }
  return redacted == std::string(url.substr(0, scheme_end + 3)) + "***" + std::string(url.substr(at));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string url(reinterpret_cast<const char*>(data), size);
  const auto parsed = queuemon::redis::ParseRedisUrl(url);
  if (ConfigAccepts(url) && !parsed) __builtin_trap();
  const std::string redacted = queuemon::redis::RedactRedisUrl(url);
  if (!RedactsOnlyThePassword(url, redacted)) __builtin_trap();
  // (A password that is "***" already may come back unchanged.)
  if (parsed && !parsed->password.empty() && parsed->password != "***" && redacted == url) {
    __builtin_trap();
  }
  return 0;
}
