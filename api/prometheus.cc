#include "api/prometheus.h"

#include "api/cache_control.h"
#include "api/replica.h"
#include "base/clock.h"

#include <chrono>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

namespace queuemon::api {
namespace {

// Writes families: one HELP/TYPE header per metric name, then its samples.
class Exposition final {
 public:
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // `labels` is already formatted, e.g. `cache="task_status"`, or empty.
  void Sample(std::string_view name, std::string_view labels, double value) {
    sources::AppendSample(out_, name, labels, value);
  }
  // Sample lines written elsewhere, appended as they are.
  void Raw(std::string_view lines) { out_ += lines; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

using sources::Label;

double Seconds(base::Duration d) { return std::chrono::duration<double>(d).count(); }

void CacheFamilies(Exposition& e, const std::vector<ViewService*>& sources) {
  struct Counter {
    const char* name;
    const char* type;
    const char* help;
    std::uint64_t cache::CacheStats::*field;
  };
  static constexpr Counter kCounters[] = {
      {"queuemon_cache_requests_total", "counter", "Requests answered by the cache (hits + misses + stale).", &cache::CacheStats::total_requests},
      {"queuemon_cache_hits_total", "counter", "Requests answered from a fresh entry.", &cache::CacheStats::hits},
      {"queuemon_cache_misses_total", "counter", "Requests that waited for (or bypassed to) a collection.", &cache::CacheStats::misses},
      {"queuemon_cache_stale_total", "counter", "Requests answered from an expired entry after a failed collection.", &cache::CacheStats::stale},
      {"queuemon_cache_sets_total", "counter", "Entries stored.", &cache::CacheStats::sets},
      {"queuemon_cache_evictions_total", "counter", "Entries evicted to respect the entry or byte budget.", &cache::CacheStats::evictions},
      {"queuemon_cache_expirations_total", "counter", "Entries removed past ttl + stale_for.", &cache::CacheStats::expirations},
      {"queuemon_cache_invalidations_total", "counter", "Entries removed by invalidation.", &cache::CacheStats::invalidations},
      {"queuemon_cache_entries", "gauge", "Entries in the cache now.", &cache::CacheStats::size},
      {"queuemon_cache_max_entries", "gauge", "Entry budget of the cache.", &cache::CacheStats::max_size},
      {"queuemon_cache_waiting", "gauge", "Requests waiting for a collection now.", &cache::CacheStats::waiting},
      {"queuemon_cache_bytes", "gauge", "Bytes (keys + bodies + ETags, gzip forms included) in the cache now.", &cache::CacheStats::bytes},
  };
  std::vector<std::vector<std::pair<std::string, cache::CacheStats>>> all;
  for (ViewService* s : sources) all.push_back(s->CacheStats());
  for (const Counter& c : kCounters) {
    e.Family(c.name, c.type, c.help);
    for (std::size_t i = 0; i < sources.size(); ++i) {
      for (const auto& [name, stats] : all[i]) {
        e.Sample(c.name, Label("source", sources[i]->source()) + "," + Label("cache", name),
                 static_cast<double>(stats.*c.field));
      }
    }
  }
}

// What changes and the operator's requests did to the caches, by cause (cache_control.h).
// Triggers are listed for every configured cause; the per-cache counters once non-zero.
void ControlFamilies(Exposition& e, const std::vector<ViewService*>& sources) {
  std::vector<CacheControlStats> all;
  for (ViewService* s : sources) all.push_back(s->control().Stats());
  constexpr const char* kTriggers = "queuemon_cache_control_triggers_total";
  e.Family(kTriggers, "counter",
           "Source changes (events) and operator requests (warm, invalidate) that acted on the caches, by cause.");
  for (std::size_t i = 0; i < sources.size(); ++i) {
    for (std::size_t cause = 0; cause < kCauseCount; ++cause) {
      if (!all[i].configured[cause] && all[i].triggers[cause] == 0) continue;
      e.Sample(kTriggers, Label("source", sources[i]->source()) + "," + Label("cause", CauseName(cause)),
               static_cast<double>(all[i].triggers[cause]));
    }
  }
  struct Counter {
    const char* name;
    const char* help;
    std::uint64_t ControlCounts::*field;
  };
  static constexpr Counter kCounters[] = {
      {"queuemon_cache_control_refreshes_total", "Loads started to refresh or warm entries, by cache and cause.", &ControlCounts::refreshes},
      {"queuemon_cache_control_coalesced_total", "Refresh triggers folded into a refresh already due, by cache and cause.", &ControlCounts::coalesced},
      {"queuemon_cache_control_dropped_total", "Entries dropped by changes and invalidations, by cache and cause.", &ControlCounts::dropped},
  };
  for (const Counter& c : kCounters) {
    e.Family(c.name, "counter", c.help);
    for (std::size_t i = 0; i < sources.size(); ++i) {
      for (std::size_t category = 0; category < kCategoryCount; ++category) {
        for (std::size_t cause = 0; cause < kCauseCount; ++cause) {
          const std::uint64_t value = all[i].by_cache[category][cause].*c.field;
          if (value == 0) continue;
          e.Sample(c.name,
                   Label("source", sources[i]->source()) + "," +
                       Label("cache", sources::kCategories[category].name) + "," +
                       Label("cause", CauseName(cause)),
                   static_cast<double>(value));
        }
      }
    }
  }
}

void SourceFamilies(Exposition& e, const std::vector<ViewService*>& sources) {
  std::vector<sources::SourceStats> stats;
  for (ViewService* s : sources) stats.push_back(s->data_source().Stats());
  auto each = [&](const char* name, const char* type, const char* help, auto value) {
    e.Family(name, type, help);
    for (std::size_t i = 0; i < sources.size(); ++i) {
      e.Sample(name, Label("source", sources[i]->source()), value(stats[i]));
    }
  };
  using S = sources::SourceStats;
  each("queuemon_up", "gauge", "1 if the broker was reachable at the last collection attempt.",
       [](const S& s) { return s.up ? 1.0 : 0.0; });
  each("queuemon_collector_collections_total", "counter", "Successful collections.",
       [](const S& s) { return static_cast<double>(s.collections); });
  each("queuemon_collector_errors_total", "counter", "Failed collections.",
       [](const S& s) { return static_cast<double>(s.errors); });
  each("queuemon_collector_broadcasts_total", "counter",
       "Remote-control requests sent to the workers (Celery: pidbox inspect broadcasts).",
       [](const S& s) { return static_cast<double>(s.worker_requests); });
  each("queuemon_collector_malformed_replies_total", "counter",
       "Worker replies and events skipped because they could not be decoded.",
       [](const S& s) { return static_cast<double>(s.malformed_replies); });
  each("queuemon_broker_connect_failures_total", "counter",
       "Broker connection attempts (connect, AUTH, SELECT) that failed.",
       [](const S& s) { return static_cast<double>(s.broker_connect_failures); });
  each("queuemon_broker_disconnects_total", "counter",
       "Established broker connections lost (closed, reset, or no reply within the deadline).",
       [](const S& s) { return static_cast<double>(s.broker_disconnects); });
  each("queuemon_broker_reconnects_total", "counter",
       "Broker connections answering again after a failed attempt or a lost connection.",
       [](const S& s) { return static_cast<double>(s.broker_reconnects); });
  each("queuemon_broker_backoff_seconds", "gauge",
       "Reconnect delay chosen at the last broker failure; 0 once the broker answers again.",
       [](const S& s) { return s.broker_backoff_seconds; });
  auto count = [](std::uint64_t S::*field) {
    return [field](const S& s) { return static_cast<double>(s.*field); };
  };
  each("queuemon_events_received_total", "counter",
       "Events received on the source's event subscription (each event of a batch counted).",
       count(&S::events_received));
  each("queuemon_events_malformed_total", "counter",
       "Event messages or events skipped because they could not be decoded.",
       count(&S::events_malformed));
  each("queuemon_event_subscription_resets_total", "counter",
       "Times an established event subscription was lost (broker restart, or the broker "
       "dropping a subscriber that fell behind: events were lost).",
       count(&S::event_subscription_resets));
  each("queuemon_task_names_overflowed_total", "counter",
       "Task events counted under the name __overflow__ because the task metrics already hold "
       "max_task_names names.",
       count(&S::task_names_overflowed));
  each("queuemon_task_table_evictions_total", "counter",
       "Tasks evicted from the live task table to keep its byte budget (finished ones first).",
       count(&S::task_table_evictions));
  each("queuemon_task_table_tasks", "gauge", "Tasks in the live task table.",
       [](const S& s) { return static_cast<double>(s.task_table_tasks); });
  each("queuemon_task_table_bytes", "gauge", "Estimated bytes of the live task table.",
       [](const S& s) { return static_cast<double>(s.task_table_bytes); });
  each("queuemon_task_metric_series", "gauge", "Label sets (name, hostname, queue) of the task metrics.",
       [](const S& s) { return static_cast<double>(s.task_metric_series); });
  each("queuemon_collector_duration_seconds", "gauge", "Duration of the last collection.",
       [](const S& s) { return s.last_duration_seconds; });
  each("queuemon_collector_last_success_timestamp_seconds", "gauge",
       "Unix time of the last successful collection.",
       [](const S& s) { return s.last_success_unix; });
}

std::string SourceLabel(const SourceViews& v) { return Label("source", v.source->source()); }

// Families of several sources merged by name: one HELP/TYPE header, then every source's samples.
void MergeFamilies(Exposition& e, const std::vector<const std::vector<sources::MetricFamily>*>& all) {
  std::vector<std::string_view> written;
  for (const auto* families : all) {
    for (const sources::MetricFamily& family : *families) {
      if (std::find(written.begin(), written.end(), family.name) != written.end()) continue;
      written.push_back(family.name);
      e.Family(family.name, family.type, family.help);
      for (const auto* others : all) {
        for (const sources::MetricFamily& same : *others) {
          if (same.name == family.name) e.Raw(same.samples);
        }
      }
    }
  }
}

// The families sources keep themselves (task events).
void SourceOwnFamilies(Exposition& e, const std::vector<ViewService*>& services) {
  std::vector<std::shared_ptr<const std::vector<sources::MetricFamily>>> kept;
  std::vector<const std::vector<sources::MetricFamily>*> all;
  for (ViewService* s : services) {
    if (auto families = s->data_source().Families()) {
      all.push_back(families.get());
      kept.push_back(std::move(families));
    }
  }
  MergeFamilies(e, all);
}

// The job-queue families, rendered by each source from its cached views the way that system's
// usual exporter names them (celery_, rq_, sidekiq_ ...), so its dashboards work.
void JobQueueFamilies(Exposition& e, const std::vector<SourceViews>& views) {
  std::vector<std::vector<sources::MetricFamily>> rendered;
  rendered.reserve(views.size());
  for (const SourceViews& v : views) {
    rendered.push_back(v.source->data_source().ViewFamilies(v.Workers(), v.Queues()));
  }
  std::vector<const std::vector<sources::MetricFamily>*> all;
  for (const auto& families : rendered) all.push_back(&families);
  MergeFamilies(e, all);
  e.Family("queuemon_snapshot_age_seconds", "gauge",
           "Age of the cached view the job-queue series above come from (absent with the view).");
  for (const SourceViews& v : views) {
    if (v.Workers()) {
      e.Sample("queuemon_snapshot_age_seconds", SourceLabel(v) + ",view=\"workers\"",
               Seconds(v.workers.age));
    }
    if (v.Queues()) {
      e.Sample("queuemon_snapshot_age_seconds", SourceLabel(v) + ",view=\"queues\"",
               Seconds(v.queues.age));
    }
  }
}

// The replicas' lease and announcements (api/replica.h), for sources that have a replica.
struct ReplicationMetric {
  const char* name;
  const char* type;
  const char* help;
  double (*value)(const ReplicaStats&);
};

constexpr ReplicationMetric kReplicationMetrics[] = {
    {"queuemon_replication_holder", "gauge", "1 if this replica holds the source's collector lease.",
     [](const ReplicaStats& s) { return s.holder ? 1.0 : 0.0; }},
    {"queuemon_replication_lease_age_seconds", "gauge", "Since the current holder took the collector lease .",
     [](const ReplicaStats& s) { return s.lease_acquired_unix > 0 ? base::UnixNow() - s.lease_acquired_unix : std::nan(""); }},
    {"queuemon_replication_lease_token", "gauge", "Fencing token of the current lease.",
     [](const ReplicaStats& s) { return static_cast<double>(s.lease_token); }},
    {"queuemon_replication_lease_acquisitions_total", "counter", "Times this replica took the collector lease.",
     [](const ReplicaStats& s) { return static_cast<double>(s.lease_acquisitions); }},
    {"queuemon_replication_announcements_received_total", "counter", "Announcements of stored views received from the holder.",
     [](const ReplicaStats& s) { return static_cast<double>(s.announcements_received); }},
    {"queuemon_replication_announcements_applied_total", "counter", "Announcements stored into this replica's caches (newer than what it had).",
     [](const ReplicaStats& s) { return static_cast<double>(s.announcements_applied); }},
    {"queuemon_replication_writes_total", "counter", "Views this replica wrote to the shared snapshot as holder.",
     [](const ReplicaStats& s) { return static_cast<double>(s.writes); }},
    {"queuemon_replication_writes_refused_total", "counter", "Writes refused by the fencing token (the lease had moved on).",
     [](const ReplicaStats& s) { return static_cast<double>(s.writes_refused); }},
    {"queuemon_replication_requests_sent_total", "counter", "Views this replica asked the holder for.",
     [](const ReplicaStats& s) { return static_cast<double>(s.requests_sent); }},
    {"queuemon_replication_requests_served_total", "counter", "Requests of other replicas this replica answered as holder.",
     [](const ReplicaStats& s) { return static_cast<double>(s.requests_served); }},
    {"queuemon_replication_snapshot_age_seconds", "gauge", "Age of the newest view collection written or received.",
     [](const ReplicaStats& s) { return s.snapshot_collected_unix > 0 ? base::UnixNow() - s.snapshot_collected_unix : std::nan(""); }},
};


void ReplicationFamilies(Exposition& e, const std::vector<ViewService*>& sources) {
  std::vector<std::pair<const ViewService*, ReplicaStats>> all;
  for (const ViewService* s : sources) {
    if (const Replica* replica = s->replica()) all.emplace_back(s, replica->Stats());
  }
  if (all.empty()) return;
  for (const ReplicationMetric& m : kReplicationMetrics) {
    e.Family(m.name, m.type, m.help);
    for (const auto& [service, stats] : all) {
      const double value = m.value(stats);
      if (std::isnan(value)) continue;  // not known yet: no sample rather than NaN
      e.Sample(m.name, Label("source", service->source()), value);
    }
  }
  constexpr const char* kInfo = "queuemon_replication_lease_info";
  e.Family(kInfo, "gauge", "The replica holding the collector lease, as this replica last saw it.");
  for (const auto& [service, stats] : all) {
    if (stats.lease_holder.empty()) continue;
    e.Sample(kInfo,
             Label("source", service->source()) + "," + Label("holder", stats.lease_holder) + "," +
                 Label("replica", service->replica()->replica_id()),
             1.0);
  }
}

void HttpFamilies(Exposition& e, const http::HttpMetrics& http) {
  const http::HttpMetrics::Counts s = http.Read();
  e.Family("queuemon_http_requests_total", "counter", "HTTP requests answered, by status class.");
  for (std::size_t i = 0; i < s.by_class.size(); ++i) {
    e.Sample("queuemon_http_requests_total", "code=\"" + std::to_string(i + 1) + "xx\"",
             static_cast<double>(s.by_class[i]));
  }
  e.Family("queuemon_http_request_duration_seconds", "histogram",
           "Time from a request fully read to its response fully written.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < http::HttpMetrics::kBuckets.size(); ++i) {
    cumulative += s.bucket_counts[i];
    char le[32];
    std::snprintf(le, sizeof le, "le=\"%g\"", http::HttpMetrics::kBuckets[i]);
    e.Sample("queuemon_http_request_duration_seconds_bucket", le, static_cast<double>(cumulative));
  }
  cumulative += s.bucket_counts.back();
  e.Sample("queuemon_http_request_duration_seconds_bucket", "le=\"+Inf\"", static_cast<double>(cumulative));
  e.Sample("queuemon_http_request_duration_seconds_sum", "", s.latency_sum_seconds);
  e.Sample("queuemon_http_request_duration_seconds_count", "", static_cast<double>(cumulative));
  e.Family("queuemon_http_connections", "gauge", "Open HTTP connections.");
  e.Sample("queuemon_http_connections", "", static_cast<double>(s.connections_open));
  e.Family("queuemon_http_connections_refused_total", "counter",
           "Connections refused at accept, by reason: max_connections (every slot busy, none "
           "idle to evict), per_address (http.max_connections_per_address), shutting_down.");
  for (std::size_t i = 0; i < s.connections_refused.size(); ++i) {
    e.Sample("queuemon_http_connections_refused_total",
             std::string("reason=\"") + http::kRefusalNames[i] + "\"",
             static_cast<double>(s.connections_refused[i]));
  }
  e.Family("queuemon_http_connections_closed_total", "counter",
           "Admitted connections the server closed, by reason: header_timeout, read_timeout, "
           "idle_evicted (oldest idle keep-alive closed to admit a new one at the cap), "
           "write_timeout (a client not reading its response).");
  for (std::size_t i = 0; i < s.connections_cut.size(); ++i) {
    e.Sample("queuemon_http_connections_closed_total",
             std::string("reason=\"") + http::kCutoffNames[i] + "\"",
             static_cast<double>(s.connections_cut[i]));
  }
}

}  // namespace

std::string RenderPrometheus(const std::vector<SourceViews>& views, const http::HttpMetrics& http) {
  Exposition e;
  std::vector<ViewService*> services;
  for (const SourceViews& v : views) services.push_back(v.source);
  JobQueueFamilies(e, views);
  SourceOwnFamilies(e, services);
  SourceFamilies(e, services);
  CacheFamilies(e, services);
  ControlFamilies(e, services);
  ReplicationFamilies(e, services);
  HttpFamilies(e, http);
  return e.Take();
}

}  // namespace queuemon::api
