#pragma once
// Config: everything queuemond reads from its JSON config file (// comments allowed) and flags.
// Declared once here with in-class defaults; LoadConfig validates it. Libraries receive the
// plain option structs inside it (CacheOptions, HttpOptions, each source kind's options),
// never JSON.
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
#include "http/options.h"
#include "config/source_config.h"
#include "sources/changes.h"
#include "snapshot/replication_options.h"

namespace queuemon::config {

// The API's settings that the config file keeps under "http" (where operators look for them);
// the HTTP server itself does not use them.
struct ApiSettings {
  std::chrono::milliseconds request_timeout{2'000};  // deadline for a MISS to get its data
  std::string auth_token_file;  // bearer token for mutating endpoints; "" = loopback-only
  // A view body of at least this many bytes is also stored gzip-compressed, for clients that
  // accept gzip (cache::EntryEncoding::gzip_min_bytes); 0 = never.
  std::size_t gzip_min_bytes = 1024;
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

// The state file (warm restarts; api/state_file.h).
struct StateOptions {
  // Where the state file is kept; empty: $STATE_DIRECTORY (systemd's StateDirectory=) if set,
  // else no state file.
  std::string dir;
  std::chrono::milliseconds snapshot_interval{30'000};  // besides on SIGTERM
};

struct Config {
  http::HttpOptions http;
  ApiSettings api;  // read from the "http" section
  std::map<std::string, cache::CacheOptions> caches;  // one per sources::kCategories row
  // What the sources' changes do to their caches (reloadable).
  sources::ChangeRules cache_events = sources::DefaultChangeRules();
  SweepOptions sweep;
  std::vector<SourceConfig> sources;                  // at least one; names unique
  LogOptions log;
  StartupOptions startup;
  StateOptions state;
  snapshot::ReplicationOptions replication;  // off unless "replication" gives a Redis URL
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

}  // namespace queuemon::config
