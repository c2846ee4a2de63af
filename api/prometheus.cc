#include "api/prometheus.h"

#include <chrono>
#include <algorithm>
#include <cmath>
#include <cstdio>
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
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += Number(value);
    out_ += '\n';
  }
  std::string Take() { return std::move(out_); }

 private:
  static std::string Number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
  }
  std::string out_;
};

std::string Label(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + EscapeLabelValue(value) + "\"";
}

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
      {"queuemon_cache_bytes", "gauge", "Bytes (keys + bodies + ETags) in the cache now.", &cache::CacheStats::bytes},
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
  each("queuemon_collector_duration_seconds", "gauge", "Duration of the last collection.",
       [](const S& s) { return s.last_duration_seconds; });
  each("queuemon_collector_last_success_timestamp_seconds", "gauge",
       "Unix time of the last successful collection.",
       [](const S& s) { return s.last_success_unix; });
}

std::string SourceLabel(const SourceViews& v) { return Label("source", v.source->source()); }

// A per-worker family of one kind: one sample per worker, `value` nullopt to skip a worker.
template <class Value>
void WorkerFamily(Exposition& e, const std::vector<SourceViews>& views, const std::string& name,
                  const std::string& help, Value value) {
  e.Family(name, "gauge", help);
  for (const SourceViews& v : views) {
    const sources::WorkersView* workers = v.Workers();
    if (workers == nullptr) continue;
    for (const auto& w : workers->workers) {
      const std::optional<double> sample = value(w);
      if (sample) e.Sample(name, SourceLabel(v) + "," + Label("hostname", w.hostname), *sample);
    }
  }
}

constexpr const char* kFreshness =
    " Read through the worker_status/queue_status cache like a JSON client: at most ttl old "
    "while the broker answers, up to ttl + stale_for when it does not, absent past that; see "
    "queuemon_snapshot_age_seconds.";

// The job-queue families of the sources of one kind, named with the kind as prefix the way
// that system's usual exporter names them (celery_worker_up, ...), so its dashboards work.
void KindFamilies(Exposition& e, const std::string& kind, const std::vector<SourceViews>& views) {
  WorkerFamily(e, views, kind + "_worker_up",
               std::string("1 if the worker is online (heartbeat or inspect reply).") + kFreshness,
               [](const sources::WorkerInfo& w) -> std::optional<double> {
                 return w.status == "online" ? 1.0 : 0.0;
               });
  WorkerFamily(e, views, kind + "_worker_tasks_active",
               std::string("Tasks the worker is executing.") + kFreshness,
               [](const sources::WorkerInfo& w) -> std::optional<double> {
                 if (!w.active) return std::nullopt;
                 return static_cast<double>(*w.active);
               });
  const std::string queue_length = kind + "_queue_length";
  e.Family(queue_length, "gauge",
           std::string("Messages waiting in the queue (all priorities).") + kFreshness);
  for (const SourceViews& v : views) {
    const sources::QueuesView* queues = v.Queues();
    if (queues == nullptr) continue;
    for (const auto& q : queues->queues) {
      e.Sample(queue_length, SourceLabel(v) + "," + Label("queue_name", q.name),
               static_cast<double>(q.messages));
    }
  }
}

// Every kind's families, kinds in the order their first source is configured.
void JobQueueFamilies(Exposition& e, const std::vector<SourceViews>& views) {
  std::vector<std::string> kinds;
  for (const SourceViews& v : views) {
    const std::string kind(v.source->source_kind());
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) kinds.push_back(kind);
  }
  for (const std::string& kind : kinds) {
    std::vector<SourceViews> of_kind;
    for (const SourceViews& v : views) {
      if (v.source->source_kind() == kind) of_kind.push_back(v);
    }
    KindFamilies(e, kind, of_kind);
  }
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

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string RenderPrometheus(const std::vector<SourceViews>& views, const http::HttpMetrics& http) {
  Exposition e;
  std::vector<ViewService*> services;
  for (const SourceViews& v : views) services.push_back(v.source);
  JobQueueFamilies(e, views);
  SourceFamilies(e, services);
  CacheFamilies(e, services);
  HttpFamilies(e, http);
  return e.Take();
}

}  // namespace queuemon::api
