// Fuzz target: queuemon::config::ParseConfig (JSON with // comments -> Config). Contract: any text either
// parses or throws ConfigError naming the key; nothing else may escape (a std::out_of_range or
// nlohmann type_error would be a bug), and nothing may crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const queuemon::config::Config config = queuemon::config::ParseConfig(text);
    if (config.sources.empty()) __builtin_trap();  // "at least one" per config.h
  } catch (const queuemon::config::ConfigError&) {
    // The documented failure.
  }
  return 0;
}
