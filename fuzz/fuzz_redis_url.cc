// Fuzz target: the two readers of broker URLs and their redaction. (1) Differential: a URL the
// config check accepts (daemon::CheckRedisUrl) must also parse in the collector
// (collectors::ParseRedisUrl); otherwise the daemon passes --check-config and then fails at
// start-up with an exception whose message carries the raw URL. (2) When a URL parses with a
// password, neither redaction (daemon::RedactUrl for logs and errors, collectors::RedactRedisUrl)
// contains the password's userinfo as written.
#include <cstddef>
#include <cstdint>
#include <string>

#include "collectors/redis_url.h"
#include "daemon/config.h"
#include "daemon/config_checks.h"

namespace {

// The raw (still percent-encoded) password of "scheme://user:password@...", or "".
std::string RawPassword(const std::string& url) {
  const auto scheme_end = url.find("://");
  const auto at = url.rfind('@');
  if (scheme_end == std::string::npos || at == std::string::npos || at < scheme_end) return "";
  const auto colon = url.find(':', scheme_end + 3);
  if (colon == std::string::npos || colon > at) return "";
  return url.substr(colon + 1, at - colon - 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string url(reinterpret_cast<const char*>(data), size);
  bool config_accepts = true;
  try {
    queuemon::daemon::CheckRedisUrl(url, "sources[0].broker");
  } catch (const queuemon::daemon::ConfigError&) {
    config_accepts = false;
  }
  const auto parsed = queuemon::collectors::ParseRedisUrl(url);
  if (config_accepts && !parsed) __builtin_trap();
  const std::string raw = RawPassword(url);
  // A password made only of ':' and '*' (e.g. ":***") can be found in the redacted URL because
  // it looks like the mask itself ("user:***@"), not because it leaked.
  const bool looks_like_the_mask = raw.find_first_not_of(":*") == std::string::npos;
  if (parsed && !parsed->password.empty() && raw.size() >= 4 && !looks_like_the_mask) {
    if (queuemon::collectors::RedactRedisUrl(url).find(raw + "@") != std::string::npos) __builtin_trap();
    if (queuemon::daemon::RedactUrl(url).find(raw + "@") != std::string::npos) __builtin_trap();
  }
  return 0;
}
