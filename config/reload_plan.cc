#include "config/reload_plan.h"

#include "config/keys.h"

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

std::optional<std::string> SourceChange(const sources::celery::over_redis::CeleryOptions& a,
                                        const sources::celery::over_redis::CeleryOptions& b,
                                        const std::string& prefix) {
  const std::pair<bool, std::string_view> fields[] = {
      {a.name != b.name, keys::kName},
      {a.broker.url != b.broker.url, keys::kBroker},
      {a.result_backend.url != b.result_backend.url, keys::kResultBackend},
      {a.broker.connect_timeout != b.broker.connect_timeout, keys::kConnectTimeoutMs},
      {a.broker.command_timeout != b.broker.command_timeout, keys::kCommandTimeoutMs},
      {a.broker.backoff_max != b.broker.backoff_max, keys::kReconnectBackoffMaxMs},
      {a.queues != b.queues, keys::kQueues},
      {a.global_keyprefix != b.global_keyprefix, keys::kGlobalKeyprefix},
      {a.priority_steps != b.priority_steps, keys::kPrioritySteps},
      {a.sep != b.sep, keys::kSep},
      {a.pidbox_exchange != b.pidbox_exchange, keys::kPidboxExchange},
      {a.events_exchange != b.events_exchange, keys::kEventsExchange},
      {a.inspect_timeout != b.inspect_timeout, keys::kInspectTimeoutMs},
      {a.purge_offline_after != b.purge_offline_after, keys::kPurgeOfflineAfterSeconds},
      {a.queue_discovery_interval != b.queue_discovery_interval,
       keys::kQueueDiscoveryIntervalSeconds},
      {a.idle_queue_grace != b.idle_queue_grace, keys::kIdleQueueGraceSeconds},
      {a.max_reply_bytes != b.max_reply_bytes, keys::kMaxReplyBytes},
  };
  for (const auto& [changed, key] : fields) {
    if (changed) return prefix + "." + std::string(key);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> RestartOnlyChange(const Config& running, const Config& next) {
  if (auto change = HttpChange(running.http, next.http)) return change;
  if (running.startup.warmup_deadline != next.startup.warmup_deadline) {
    return Path(keys::kStartup, keys::kWarmupDeadlineMs);
  }
  if (running.sources.size() != next.sources.size()) return std::string(keys::kSources);
  for (std::size_t i = 0; i < running.sources.size(); ++i) {
    const std::string prefix = std::string(keys::kSources) + "[" + std::to_string(i) + "]";
    if (auto change = SourceChange(running.sources[i], next.sources[i], prefix)) return change;
  }
  return std::nullopt;
}

}  // namespace queuemon::config
