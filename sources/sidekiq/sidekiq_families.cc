// Sidekiq's job-queue families, named and labelled as sidekiq-prometheus-exporter
// (Strech/sidekiq-prometheus-exporter, the usual Sidekiq exporter) names them, so its Grafana
// boards and alerts work; the queue label is `name`, as there. Every series also carries
// `source`. Not rendered: its per-class job metrics (Sidekiq >= 6.5 keeps them; 6.4 does not),
// and its cron/scheduler/leader families (plug-ins and Enterprise).
#include "sources/sidekiq/sidekiq_source.h"

#include <map>

namespace queuemon::sources::sidekiq {
namespace {

double Count(const std::map<std::string, std::int64_t>& jobs, const char* state) {
  const auto it = jobs.find(state);
  return it == jobs.end() ? 0 : static_cast<double>(it->second);
}

// Without a queues view (null) the families are declared without samples.
void AddTotals(const QueuesView* view, const std::string& source, std::vector<MetricFamily>& out) {
  struct Gauge {
    const char* name;
    const char* help;
    const char* state;
  };
  static constexpr Gauge kGauges[] = {
      {"sidekiq_enqueued_jobs", "Jobs waiting in every queue.", "enqueued"},
      {"sidekiq_scheduled_jobs", "Jobs scheduled for later (the schedule set).", "scheduled"},
      {"sidekiq_retry_jobs", "Failed jobs waiting for their next try (the retry set).", "retry"},
      {"sidekiq_dead_jobs", "Jobs that ran out of retries (the dead set).", "dead"},
      {"sidekiq_busy_workers", "Jobs running now, over every process.", "busy"},
  };
  MetricFamily processed{"sidekiq_processed_jobs_total", "counter", "Jobs processed (stat:processed).", {}};
  MetricFamily failed{"sidekiq_failed_jobs_total", "counter", "Jobs that failed (stat:failed).", {}};
  if (view != nullptr) {
    AppendSample(processed.samples, processed.name, source, static_cast<double>(view->processed_total.value_or(0)));
    AppendSample(failed.samples, failed.name, source, static_cast<double>(view->failed_total.value_or(0)));
  }
  out.push_back(std::move(processed));
  out.push_back(std::move(failed));
  for (const Gauge& g : kGauges) {
    MetricFamily family = ViewGauge(g.name, g.help);
    if (view != nullptr) AppendSample(family.samples, family.name, source, Count(view->jobs, g.state));
    out.push_back(std::move(family));
  }
}

void AddProcessFamilies(const WorkersView* workers, const std::string& source,
                        std::vector<MetricFamily>& out) {
  MetricFamily processes = ViewGauge("sidekiq_processes", "Live Sidekiq processes.");
  MetricFamily threads = ViewGauge("sidekiq_workers", "Worker threads (concurrency) over every live process.");
  MetricFamily by_host = ViewGauge("sidekiq_host_processes", "Live processes by host and quiet state.");
  if (workers == nullptr) {
    for (MetricFamily* f : {&processes, &threads, &by_host}) out.push_back(std::move(*f));
    return;
  }
  const WorkersView& view = *workers;
  double concurrency = 0;
  std::map<std::pair<std::string, bool>, double> hosts;
  for (const WorkerInfo& w : view.workers) {
    concurrency += static_cast<double>(w.concurrency.value_or(0));
    const std::string_view identity = w.hostname;  // "host:pid:hex"
    hosts[{std::string(identity.substr(0, identity.find(':'))), w.state == "quiet"}] += 1;
  }
  AppendSample(processes.samples, processes.name, source, static_cast<double>(view.online));
  AppendSample(threads.samples, threads.name, source, concurrency);
  for (const auto& [host, n] : hosts) {
    AppendSample(by_host.samples, by_host.name,
                 source + "," + Label("host", host.first) + "," + Label("quiet", host.second ? "true" : "false"), n);
  }
  for (MetricFamily* f : {&processes, &threads, &by_host}) out.push_back(std::move(*f));
}

// Per queue: depth and latency (queues view); the processes serving it, their threads and busy
// threads (workers view, when present).
void AddQueueFamilies(const QueuesView& view, const WorkersView* workers, const std::string& source,
                      std::vector<MetricFamily>& out) {
  MetricFamily latency = ViewGauge("sidekiq_queue_latency_seconds", "Seconds since the oldest job in the queue was pushed (0: empty).");
  MetricFamily enqueued = ViewGauge("sidekiq_queue_enqueued_jobs", "Jobs waiting in the queue.");
  MetricFamily processes = ViewGauge("sidekiq_queue_processes", "Live processes serving the queue.");
  MetricFamily threads = ViewGauge("sidekiq_queue_workers", "Worker threads of the processes serving the queue.");
  MetricFamily busy = ViewGauge("sidekiq_queue_busy_workers", "Busy threads of the processes serving the queue.");
  std::map<std::string_view, std::pair<double, double>> serving;  // queue -> (threads, busy)
  if (workers != nullptr) {
    for (const WorkerInfo& w : workers->workers) {
      for (const std::string& q : w.queues) {
        serving[q].first += static_cast<double>(w.concurrency.value_or(0));
        serving[q].second += static_cast<double>(w.active.value_or(0));
      }
    }
  }
  for (const QueueInfo& q : view.queues) {
    const std::string labels = source + "," + Label("name", q.name);
    AppendSample(latency.samples, latency.name, labels, q.oldest_job_age.value_or(0));
    AppendSample(enqueued.samples, enqueued.name, labels, static_cast<double>(q.messages));
    AppendSample(processes.samples, processes.name, labels, static_cast<double>(q.consumers));
    if (workers == nullptr) continue;
    const auto it = serving.find(q.name);
    AppendSample(threads.samples, threads.name, labels, it == serving.end() ? 0 : it->second.first);
    AppendSample(busy.samples, busy.name, labels, it == serving.end() ? 0 : it->second.second);
  }
  for (MetricFamily* f : {&latency, &enqueued, &processes, &threads, &busy}) out.push_back(std::move(*f));
}

}  // namespace

std::vector<MetricFamily> SidekiqSource::ViewFamilies(const WorkersView* workers,
                                                      const QueuesView* queues) const {
  static const QueuesView kNoQueues;  // declares the per-queue families without samples
  std::vector<MetricFamily> out;
  const std::string source = Label("source", Name());
  AddTotals(queues, source, out);
  AddProcessFamilies(workers, source, out);
  AddQueueFamilies(queues ? *queues : kNoQueues, workers, source, out);
  return out;
}

}  // namespace queuemon::sources::sidekiq
