#pragma once
// Config: everything queuemond reads from its JSON config file (// comments allowed) and flags.
// Declared once here with in-class defaults; LoadConfig validates it. Libraries receive the
// plain option structs inside it (CacheOptions, CeleryOptions, HttpOptions), never JSON.
//
// Errors: LoadConfig/ParseConfig throw ConfigError at startup/reload (house style: startup may
// throw); the message names the key's JSON path, e.g. "caches.task_status.ttl_seconds: must be
// > 0 (got -1)".

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cache/cache_options.h"
#include "collectors/celery_options.h"

namespace queuemon::daemon {

// The five category caches, by their original names.
inline constexpr const char* kCacheNames[] = {"task_status", "worker_status", "queue_status",
                                              "metrics_summary", "health_check"};

struct HttpOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; [v6]:port accepted
  int threads = 0;                         // io_context threads; 0 = number of cores
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_connections = 1024;
  // Connections one client address may hold at once; unset = max_connections / 4 (at least 1),
  // 0 = no per-address limit. Addresses in trusted_proxies are exempt.
  std::optional<std::size_t> max_connections_per_address;
  // Reverse proxies in front of queuemond (IP addresses): exempt from the per-address limit,
  // since all their clients share their address. A proxy enforces its own per-client limits.
  std::vector<std::string> trusted_proxies;
  std::size_t max_requests_per_connection = 0;  // 0 = unlimited
  std::chrono::milliseconds read_timeout{10'000};   // to receive one whole request
  // To receive a request's line and headers: from the connection's accept for its first
  // request, from the first byte for the next ones (slowloris holds a slot this long at most).
  std::chrono::milliseconds header_timeout{5'000};
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds drain_timeout{5'000};   // graceful stop deadline
  std::chrono::milliseconds request_timeout{2'000};  // deadline for a MISS to get its data
  std::string auth_token_file;  // bearer token for mutating endpoints; "" = loopback-only

  // The per-address limit in force (see max_connections_per_address); 0 = none.
  std::size_t PerAddressLimit() const {
    return max_connections_per_address.value_or(std::max<std::size_t>(1, max_connections / 4));
  }
};

struct SweepOptions {
  std::chrono::milliseconds interval{60'000};
  std::size_t batch = 1000;  // max entries removed per cache per sweep
};

struct LogOptions {
  std::string level = "info";  // trace|debug|info|warn|error|critical|off
  bool access_log = false;     // one line per request (off by default: hot path)
};

struct StartupOptions {
  std::chrono::milliseconds warmup_deadline{3'000};  // READY=1 at the latest after this
};

struct Config {
  HttpOptions http;
  std::map<std::string, cache::CacheOptions> caches;  // always holds the five kCacheNames
  SweepOptions sweep;
  std::vector<collectors::CeleryOptions> sources;      // at least one; names unique
  LogOptions log;
  StartupOptions startup;
};

class ConfigError final : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The defaults of design.md (one "celery" source on redis://127.0.0.1:6379/0).
Config DefaultConfig();
// Parses JSON text (with // comments) over the defaults. Throws ConfigError naming the key.
Config ParseConfig(const std::string& json_text);
// Reads and parses a file. Throws ConfigError (unreadable file, or as ParseConfig).
Config LoadConfig(const std::string& path);

}  // namespace queuemon::daemon
