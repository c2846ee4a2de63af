#include "config/auth_token_file.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/config.h"

namespace queuemon::config {

std::string LoadAuthToken(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError("http.auth_token_file: cannot read " + path + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (token.empty()) throw ConfigError("http.auth_token_file: " + path + " holds no token");
  return token;
}

}  // namespace queuemon::config
