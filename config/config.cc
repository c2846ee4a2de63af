#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/checks.h"
#include "config/keys.h"
#include "config/object_reader.h"
#include "config/sources_reader.h"
#include "sources/celery/redis/options.h"
#include "sources/views.h"

namespace queuemon::config {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::int64_t kMaxTimeoutMs = 3'600'000;  // one hour: anything longer is a typo
constexpr double kMaxTtlSeconds = 86'400;
constexpr double kMaxStaleSeconds = 7 * 86'400;
constexpr std::uint64_t kMaxCount = 100'000'000;
constexpr std::uint64_t kMaxBytes = std::uint64_t{1} << 40;
constexpr std::uint64_t kMaxGzipMinBytes = std::uint64_t{1} << 30;  // 1 GiB: larger is a typo

const char* const kLogLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};

// The "http" section: the server's options, and the API settings kept there.
void ReadHttp(ObjectReader& r, Config& config) {
  http::HttpOptions& http = config.http;
  r.ReadSize(keys::kMaxHeaderBytes, http.max_header_bytes, 1024, 1 << 20);
  r.ReadSize(keys::kMaxBodyBytes, http.max_body_bytes, 0, 64 << 20);
  r.ReadSize(keys::kMaxConnections, http.max_connections, 1, 1'000'000);
  std::size_t per_address = http.PerAddressLimit();
  if (r.Child(keys::kMaxConnectionsPerAddress) != nullptr) {
    r.ReadSize(keys::kMaxConnectionsPerAddress, per_address, 0, 1'000'000);
    http.max_connections_per_address = per_address;
  }
  r.ReadStringList(keys::kTrustedProxies, http.trusted_proxies);
  for (std::size_t i = 0; i < http.trusted_proxies.size(); ++i) {
    // Stored as the server prints a peer, so that the per-connection check is a string compare.
    http.trusted_proxies[i] = CanonicalIpAddress(
        http.trusted_proxies[i], r.PathOf(keys::kTrustedProxies) + "[" + std::to_string(i) + "]");
  }
  r.ReadSize(keys::kMaxRequestsPerConnection, http.max_requests_per_connection, 0, kMaxCount);
  r.ReadMillis(keys::kReadTimeoutMs, http.read_timeout, 1, kMaxTimeoutMs);
  r.ReadMillis(keys::kHeaderTimeoutMs, http.header_timeout, 1, kMaxTimeoutMs);
  r.ReadMillis(keys::kIdleTimeoutMs, http.idle_timeout, 1, kMaxTimeoutMs);
  r.ReadMillis(keys::kWriteTimeoutMs, http.write_timeout, 1, kMaxTimeoutMs);
  r.ReadMillis(keys::kDrainTimeoutMs, http.drain_timeout, 0, kMaxTimeoutMs);
  r.ReadMillis(keys::kRequestTimeoutMs, config.api.request_timeout, 1, kMaxTimeoutMs);
  r.ReadString(keys::kAuthTokenFile, config.api.auth_token_file);
  r.ReadSize(keys::kGzipMinBytes, config.api.gzip_min_bytes, 0, kMaxGzipMinBytes);
  r.RejectUnknown();
}

void ReadTopLevel(ObjectReader& r, Config& config) {
  r.ReadString(keys::kListen, config.http.listen);
  CheckListenAddress(config.http.listen, r.PathOf(keys::kListen));
  r.ReadInt(keys::kThreads, config.http.threads, 0, 1024);
  r.ReadString(keys::kLogLevel, config.log.level);
  if (std::find(std::begin(kLogLevels), std::end(kLogLevels), config.log.level) ==
      std::end(kLogLevels)) {
    FailAt(r.PathOf(keys::kLogLevel),
           "must be one of trace, debug, info, warn, error, critical, off", json(config.log.level));
  }
  r.ReadBool(keys::kAccessLog, config.log.access_log);
  r.ReadString(keys::kStateDir, config.state.dir);
  if (!config.state.dir.empty() && config.state.dir.front() != '/') {
    FailAt(r.PathOf(keys::kStateDir), "must be an absolute path", json(config.state.dir));
  }
  r.ReadSeconds(keys::kSnapshotIntervalSeconds, config.state.snapshot_interval, false,
                kMaxTtlSeconds);
}

// Characters allowed in a replication prefix: no glob characters (it is part of the channel
// pattern the replicas subscribe to) and no '|' (the lease value's separator).
bool PlainName(const std::string& name) {
  return !name.empty() && name.size() <= 200 &&
         std::all_of(name.begin(), name.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':' || c == '@';
         });
}

void ReadReplication(ObjectReader& r, snapshot::ReplicationOptions& replication) {
  r.ReadString(keys::kRedis, replication.redis.url);
  if (replication.redis.url.empty()) FailAt(r.PathOf(keys::kRedis), "is required", json(""));
  CheckRedisUrl(replication.redis.url, r.PathOf(keys::kRedis));
  r.ReadString(keys::kPrefix, replication.prefix);
  if (!PlainName(replication.prefix)) {
    FailAt(r.PathOf(keys::kPrefix), "must be 1-200 characters of [A-Za-z0-9_.:@-]",
           json(replication.prefix));
  }
  r.ReadMillis(keys::kLeaseMs, replication.lease, 300, 600'000);
  r.ReadString(keys::kReplicaId, replication.replica_id);
  if (r.Child(keys::kReplicaId) != nullptr && !PlainName(replication.replica_id)) {
    FailAt(r.PathOf(keys::kReplicaId), "must be 1-200 characters of [A-Za-z0-9_.:@-]",
           json(replication.replica_id));
  }
  r.RejectUnknown();
}

void ReadCache(ObjectReader& r, cache::CacheOptions& options) {
  r.ReadSeconds(keys::kTtlSeconds, options.ttl, false, kMaxTtlSeconds);
  r.ReadOptionalSeconds(keys::kRefreshAfterSeconds, options.refresh_after, kMaxTtlSeconds);
  r.ReadSeconds(keys::kStaleForSeconds, options.stale_for, true, kMaxStaleSeconds);
  r.ReadSize(keys::kMaxEntries, options.max_entries, 1, kMaxCount);
  r.ReadSize(keys::kMaxBytes, options.max_bytes, 0, kMaxBytes);
  r.RejectUnknown();
  if (options.refresh_after && *options.refresh_after > options.ttl) {
    FailAt(r.PathOf(keys::kRefreshAfterSeconds),
           "must be <= ttl_seconds (" + json(options.ttl.count() / 1000.0).dump() + ")",
           json(options.refresh_after->count() / 1000.0));
  }
}

void ReadCaches(ObjectReader& r, std::map<std::string, cache::CacheOptions>& caches) {
  for (const sources::CategorySpec& category : sources::kCategories) {
    const std::string name(category.name);
    if (const json* v = r.Child(name); v != nullptr) {
      ObjectReader cache_reader(*v, r.PathOf(name));
      ReadCache(cache_reader, caches[name]);
    }
  }
  r.RejectUnknown();
}

// "refresh": {change: [cache, ...]} replaces the default map as a whole.
void ReadRefreshRules(ObjectReader& r, std::map<std::string, std::vector<std::string>>& refresh) {
  refresh.clear();
  for (const std::string_view change : sources::kChangeNames) {
    if (r.Child(change) == nullptr) continue;
    std::vector<std::string> caches;
    r.ReadStringList(change, caches);
    for (const std::string& cache : caches) {
      if (!sources::ValidCategory(cache)) {
        throw ConfigError(r.PathOf(change) + ": unknown cache '" + cache +
                          "' (known: " + sources::CategoryList() + ")");
      }
    }
    refresh[std::string(change)] = std::move(caches);
  }
  r.RejectUnknown();
}

void ReadCacheEvents(ObjectReader& r, sources::ChangeRules& rules) {
  r.ReadMillis(keys::kMinRefreshIntervalMs, rules.min_refresh_interval, 1, 60'000);
  if (const json* v = r.Child(keys::kRefresh); v != nullptr) {
    ObjectReader refresh(*v, r.PathOf(keys::kRefresh));
    ReadRefreshRules(refresh, rules.refresh);
  }
  r.ReadStringList(keys::kDropTask, rules.drop_task);
  for (const std::string& change : rules.drop_task) {
    if (!change.starts_with("task-") || !sources::ChangeIndex(change)) {
      throw ConfigError(r.PathOf(keys::kDropTask) + ": '" + change +
                        "' is not a task event (known: " + sources::ChangeNameList() + ")");
    }
  }
  r.RejectUnknown();
}

void ReadSweep(ObjectReader& r, SweepOptions& sweep) {
  r.ReadSeconds(keys::kIntervalSeconds, sweep.interval, false, kMaxTtlSeconds);
  r.ReadSize(keys::kBatch, sweep.batch, 1, kMaxCount);
  r.RejectUnknown();
}

void ReadStartup(ObjectReader& r, StartupOptions& startup) {
  r.ReadMillis(keys::kWarmupDeadlineMs, startup.warmup_deadline, 0, 600'000);
  r.RejectUnknown();
}

// Each section's reader runs over the section's object with that section's path.
template <typename Options, typename Fn>
void ReadSection(ObjectReader& root, std::string_view key, Options& options, Fn read) {
  if (const json* v = root.Child(key); v != nullptr) {
    ObjectReader section(*v, root.PathOf(key));
    read(section, options);
  }
}

// A top-level parse that rejects a key given twice in one object: nlohmann would silently keep
// the last one, which hides exactly the kind of mistake a config check is for.
json ParseJson(const std::string& text) {
  std::vector<std::set<std::string>> open_objects;
  json::parser_callback_t reject_duplicates = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == json::parse_event_t::object_end) open_objects.pop_back();
    if (event == json::parse_event_t::key && !open_objects.back().insert(parsed.get<std::string>()).second) {
      throw ConfigError("config: key \"" + parsed.get<std::string>() + "\" appears twice in one object");
    }
    return true;
  };
  try {
    return json::parse(text, reject_duplicates, /*allow_exceptions=*/true,
                       /*ignore_comments=*/true);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number too large
    std::string what = e.what();
    if (const auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    throw ConfigError("config: invalid JSON: " + what);
  }
}

}  // namespace

Config DefaultConfig() {
  Config config;
  for (const sources::CategorySpec& category : sources::kCategories) {
    cache::CacheOptions options;
    options.ttl = category.ttl;
    options.stale_for = sources::kDefaultStaleFor;
    options.max_entries = category.max_entries;
    config.caches.emplace(std::string(category.name), options);
  }
  // One "celery" source on redis://127.0.0.1:6379/0.
  config.sources.emplace_back(std::make_unique<sources::celery::over_redis::CeleryOptions>());
  return config;
}

Config ParseConfig(const std::string& json_text) {
  const json document = ParseJson(json_text);
  Config config = DefaultConfig();
  ObjectReader root(document, "");
  ReadTopLevel(root, config);
  ReadSection(root, keys::kHttp, config, ReadHttp);
  ReadSection(root, keys::kSweep, config.sweep, ReadSweep);
  ReadSection(root, keys::kStartup, config.startup, ReadStartup);
  ReadSection(root, keys::kCaches, config.caches, ReadCaches);
  ReadSection(root, keys::kCacheEvents, config.cache_events, ReadCacheEvents);
  ReadSection(root, keys::kReplication, config.replication, ReadReplication);
  if (const json* v = root.Child(keys::kSources); v != nullptr) {
    config.sources = ReadSources(*v, root.PathOf(keys::kSources));
  }
  root.RejectUnknown();
  return config;
}

Config LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(path + ": cannot read: " + std::strerror(errno));
  try {
    return ParseConfig(text.str());
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what());
  }
}

}  // namespace queuemon::config
