#pragma once
// Checks of the string-valued settings that have a grammar (the listen address, Redis URLs),
// shared by config.cc (file keys) and cli.cc (--listen, --broker). Boost.URL does the parsing;
// messages show broker URLs through redis::RedactRedisUrl.
//
// Stateless free functions; thread-safe.

#include <string>
#include <string_view>

namespace queuemon::config {

// Accepts "<IPv4>:<port>" or "[<IPv6>]:<port>", port 0..65535 (0: any free port). Host names
// are refused so that start-up never waits for DNS. Throws ConfigError naming `path`.
void CheckListenAddress(std::string_view value, std::string_view path);

// Accepts redis://[[user]:password@]host[:port][/db] and unix:///path[?db=N]. Throws
// ConfigError naming `path`; the message shows the URL redacted.
void CheckRedisUrl(std::string_view value, std::string_view path);
// Accepts amqp://[user[:password]@]host[:port][/vhost] and amqps://...; as CheckRedisUrl.
void CheckAmqpUrl(std::string_view value, std::string_view path);

// An IPv4 or IPv6 address in the form the HTTP server prints a peer (e.g. "::1"); throws
// ConfigError at `path` for anything else (a host name, a CIDR range, a port).
std::string CanonicalIpAddress(std::string_view value, std::string_view path);

}  // namespace queuemon::config
