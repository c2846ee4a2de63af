#pragma once
// Reads the bearer token of mutating endpoints from http.auth_token_file (or systemd's
// credential, which cli.cc resolves to a path). Start-up and reload only.

#include <string>

namespace queuemon::config {

// "" for an empty path (no token: loopback-only mutations). Otherwise the file's content with
// trailing whitespace removed; throws ConfigError naming http.auth_token_file if the file
// cannot be read or holds no token.
std::string LoadAuthToken(const std::string& path);

}  // namespace queuemon::config
