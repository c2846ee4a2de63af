#pragma once
// The config file's key names, declared once (house style: key names are constexpr constants).
// README's config table lists the same keys; config_test parses a file using every one.

#include <string_view>

namespace queuemon::config::keys {

// Top level.
inline constexpr std::string_view kListen = "listen";
inline constexpr std::string_view kThreads = "threads";
inline constexpr std::string_view kLogLevel = "log_level";
inline constexpr std::string_view kAccessLog = "access_log";
inline constexpr std::string_view kHttp = "http";
inline constexpr std::string_view kSweep = "sweep";
inline constexpr std::string_view kStartup = "startup";
inline constexpr std::string_view kCaches = "caches";
inline constexpr std::string_view kSources = "sources";
inline constexpr std::string_view kCacheEvents = "cache_events";
inline constexpr std::string_view kStateDir = "state_dir";
inline constexpr std::string_view kSnapshotIntervalSeconds = "snapshot_interval_seconds";
inline constexpr std::string_view kReplication = "replication";

// "replication".
inline constexpr std::string_view kRedis = "redis";
inline constexpr std::string_view kPrefix = "prefix";
inline constexpr std::string_view kLeaseMs = "lease_ms";
inline constexpr std::string_view kReplicaId = "replica_id";

// "http".
inline constexpr std::string_view kMaxHeaderBytes = "max_header_bytes";
inline constexpr std::string_view kMaxBodyBytes = "max_body_bytes";
inline constexpr std::string_view kMaxConnections = "max_connections";
inline constexpr std::string_view kMaxConnectionsPerAddress = "max_connections_per_address";
inline constexpr std::string_view kTrustedProxies = "trusted_proxies";
inline constexpr std::string_view kHeaderTimeoutMs = "header_timeout_ms";
inline constexpr std::string_view kMaxRequestsPerConnection = "max_requests_per_connection";
inline constexpr std::string_view kReadTimeoutMs = "read_timeout_ms";
inline constexpr std::string_view kIdleTimeoutMs = "idle_timeout_ms";
inline constexpr std::string_view kWriteTimeoutMs = "write_timeout_ms";
inline constexpr std::string_view kDrainTimeoutMs = "drain_timeout_ms";
inline constexpr std::string_view kRequestTimeoutMs = "request_timeout_ms";
inline constexpr std::string_view kAuthTokenFile = "auth_token_file";
inline constexpr std::string_view kGzipMinBytes = "gzip_min_bytes";

// "sweep" and "startup".
inline constexpr std::string_view kIntervalSeconds = "interval_seconds";
inline constexpr std::string_view kBatch = "batch";
inline constexpr std::string_view kWarmupDeadlineMs = "warmup_deadline_ms";

// "cache_events".
inline constexpr std::string_view kMinRefreshIntervalMs = "min_refresh_interval_ms";
inline constexpr std::string_view kRefresh = "refresh";
inline constexpr std::string_view kDropTask = "drop_task";

// "caches.<name>".
inline constexpr std::string_view kTtlSeconds = "ttl_seconds";
inline constexpr std::string_view kRefreshAfterSeconds = "refresh_after_seconds";
inline constexpr std::string_view kStaleForSeconds = "stale_for_seconds";
inline constexpr std::string_view kMaxEntries = "max_entries";
inline constexpr std::string_view kMaxBytes = "max_bytes";

// "sources[i]": every kind.
inline constexpr std::string_view kName = "name";
inline constexpr std::string_view kKind = "kind";
// "sources[i]" of kind "celery".
inline constexpr std::string_view kBroker = "broker";
inline constexpr std::string_view kResultBackend = "result_backend";
inline constexpr std::string_view kManagementUrl = "management_url";
inline constexpr std::string_view kQueues = "queues";
inline constexpr std::string_view kGlobalKeyprefix = "global_keyprefix";
inline constexpr std::string_view kPrioritySteps = "priority_steps";
inline constexpr std::string_view kSep = "sep";
inline constexpr std::string_view kPidboxExchange = "pidbox_exchange";
inline constexpr std::string_view kEventsExchange = "events_exchange";
inline constexpr std::string_view kInspectTimeoutMs = "inspect_timeout_ms";
inline constexpr std::string_view kConnectTimeoutMs = "connect_timeout_ms";
inline constexpr std::string_view kCommandTimeoutMs = "command_timeout_ms";
inline constexpr std::string_view kReconnectBackoffMaxMs = "reconnect_backoff_max_ms";
inline constexpr std::string_view kPurgeOfflineAfterSeconds = "purge_offline_after_seconds";
inline constexpr std::string_view kMaxReplyBytes = "max_reply_bytes";
inline constexpr std::string_view kQueueDiscoveryIntervalSeconds = "queue_discovery_interval_seconds";
inline constexpr std::string_view kIdleQueueGraceSeconds = "idle_queue_grace_seconds";
inline constexpr std::string_view kTaskEvents = "task_events";
// "sources[i]" of kind "sidekiq" (besides broker and its timeouts, shared with rq and celery).
inline constexpr std::string_view kNamespace = "namespace";
inline constexpr std::string_view kMaxJobScan = "max_job_scan";
// "sources[i].task_events" (kind "celery"), after celery-exporter's options.
inline constexpr std::string_view kMetricPrefix = "metric_prefix";
inline constexpr std::string_view kStaticLabels = "static_labels";
inline constexpr std::string_view kGenericHostnameTaskSent = "generic_hostname_task_sent";
inline constexpr std::string_view kGenericHostnameWorkerTasks = "generic_hostname_worker_tasks";
inline constexpr std::string_view kDefaultQueueName = "default_queue_name";
inline constexpr std::string_view kRuntimeBuckets = "runtime_buckets";
inline constexpr std::string_view kQueueWaitBuckets = "queue_wait_buckets";
inline constexpr std::string_view kWorkerTimeoutSeconds = "worker_timeout_seconds";
inline constexpr std::string_view kMaxTaskNames = "max_task_names";
inline constexpr std::string_view kTaskTableBytes = "task_table_bytes";
inline constexpr std::string_view kKeepTaskArgs = "keep_task_args";
inline constexpr std::string_view kStatsWindowSeconds = "stats_window_seconds";
inline constexpr std::string_view kMaxTracebackBytes = "max_traceback_bytes";

}  // namespace queuemon::config::keys
