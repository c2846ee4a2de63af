#include "config/reload_plan.h"

#include "config/keys.h"
#include "config/source_kinds.h"

namespace queuemon::config {
namespace {

std::string Path(std::string_view section, std::string_view key) {
  return std::string(section) + "." + std::string(key);
}

std::optional<std::string> HttpChange(const http::HttpOptions& a, const http::HttpOptions& b) {
  if (a.listen != b.listen) return std::string(keys::kListen);
  if (a.threads != b.threads) return std::string(keys::kThreads);
  const std::pair<bool, std::string_view> fields[] = {
      {a.max_header_bytes != b.max_header_bytes, keys::kMaxHeaderBytes},
      {a.max_body_bytes != b.max_body_bytes, keys::kMaxBodyBytes},
      {a.max_connections != b.max_connections, keys::kMaxConnections},
      {a.max_connections_per_address != b.max_connections_per_address,
       keys::kMaxConnectionsPerAddress},
      {a.trusted_proxies != b.trusted_proxies, keys::kTrustedProxies},
      {a.header_timeout != b.header_timeout, keys::kHeaderTimeoutMs},
      {a.max_requests_per_connection != b.max_requests_per_connection,
       keys::kMaxRequestsPerConnection},
      {a.read_timeout != b.read_timeout, keys::kReadTimeoutMs},
      {a.idle_timeout != b.idle_timeout, keys::kIdleTimeoutMs},
      {a.write_timeout != b.write_timeout, keys::kWriteTimeoutMs},
      {a.drain_timeout != b.drain_timeout, keys::kDrainTimeoutMs},
  };
  for (const auto& [changed, key] : fields) {
    if (changed) return Path(keys::kHttp, key);
  }
  return std::nullopt;
}

std::optional<std::string> SourceChange(const SourceConfig& a, const SourceConfig& b,
                                        const std::string& prefix) {
  if (a.name() != b.name()) return prefix + "." + std::string(keys::kName);
  if (a.kind() != b.kind()) return prefix + "." + std::string(keys::kKind);
  const SourceKind* kind = FindSourceKind(a.kind());
  if (kind == nullptr) return prefix;  // unreachable: a read config only holds known kinds
  return kind->first_change(a.options(), b.options(), prefix);
}

}  // namespace

std::optional<std::string> RestartOnlyChange(const Config& running, const Config& next) {
  if (auto change = HttpChange(running.http, next.http)) return change;
  if (running.startup.warmup_deadline != next.startup.warmup_deadline) {
    return Path(keys::kStartup, keys::kWarmupDeadlineMs);
  }
  if (running.state.dir != next.state.dir) return std::string(keys::kStateDir);
  if (running.state.snapshot_interval != next.state.snapshot_interval) {
    return std::string(keys::kSnapshotIntervalSeconds);
  }
  const auto& a = running.replication;
  const auto& b = next.replication;
  if (a.redis.url != b.redis.url || a.prefix != b.prefix || a.lease != b.lease ||
      a.replica_id != b.replica_id) {
    return std::string(keys::kReplication);
  }
  if (running.sources.size() != next.sources.size()) return std::string(keys::kSources);
  for (std::size_t i = 0; i < running.sources.size(); ++i) {
    const std::string prefix = std::string(keys::kSources) + "[" + std::to_string(i) + "]";
    if (auto change = SourceChange(running.sources[i], next.sources[i], prefix)) return change;
  }
  return std::nullopt;
}

}  // namespace queuemon::config
