#include "sources/celery/view_families.h"

#include <map>
#include <optional>
#include <string>

namespace queuemon::sources::celery {
namespace {

// Workers on one host share its series, as the exporter's `hostname` label is the host: up if
// any of them is, their active tasks summed.
struct HostGauges {
  bool up = false;
  std::optional<double> active;
};

void AddWorkerFamilies(const WorkersView& view, const std::string& prefix,
                       const std::string& source, const std::string& tail,
                       std::vector<MetricFamily>& out) {
  std::map<std::string, HostGauges> by_host;
  for (const auto& w : view.workers) {
    HostGauges& g = by_host[std::string(HostOf(w.hostname))];
    g.up = g.up || w.status == "online";
    if (w.active) g.active = g.active.value_or(0) + static_cast<double>(*w.active);
  }
  MetricFamily up = ViewGauge(prefix + "worker_up",
                              "1 if a worker of the host is online (heartbeat or inspect reply).");
  MetricFamily active = ViewGauge(prefix + "worker_tasks_active", "Tasks the host's workers are executing.");
  for (const auto& [host, g] : by_host) {
    const std::string labels = source + "," + Label("hostname", host) + tail;
    AppendSample(up.samples, up.name, labels, g.up ? 1.0 : 0.0);
    if (g.active) AppendSample(active.samples, active.name, labels, *g.active);
  }
  out.push_back(std::move(up));
  out.push_back(std::move(active));
}

// Pool processes (concurrency) of the online workers, summed per queue they consume: one pass
// over the workers, not one per queue (10 000 queues x 1 000 workers stay cheap).
std::map<std::string_view, double> ProcessesByQueue(const WorkersView& workers) {
  std::map<std::string_view, double> pool;
  for (const auto& w : workers.workers) {
    if (w.status != "online") continue;
    for (const std::string& queue : w.queues) pool[queue] += static_cast<double>(w.concurrency.value_or(0));
  }
  return pool;
}

// Per queue: its depth, the workers consuming it and their processes (worker concurrency).
void AddQueueFamilies(const QueuesView& view, const WorkersView* workers, const std::string& prefix,
                      const std::string& source, const std::string& tail,
                      std::vector<MetricFamily>& out) {
  MetricFamily length = ViewGauge(prefix + "queue_length", "Messages waiting in the queue (all priorities).");
  MetricFamily consumers = ViewGauge(prefix + "active_worker_count", "Workers consuming the queue.");
  MetricFamily processes = ViewGauge(
      prefix + "active_process_count",
      "Worker processes (pool concurrency) of the online workers consuming the queue.");
  const std::map<std::string_view, double> pool =
      workers ? ProcessesByQueue(*workers) : std::map<std::string_view, double>{};
  for (const auto& q : view.queues) {
    const std::string labels = source + "," + Label("queue_name", q.name) + tail;
    AppendSample(length.samples, length.name, labels, static_cast<double>(q.messages));
    AppendSample(consumers.samples, consumers.name, labels, static_cast<double>(q.consumers));
    if (workers == nullptr) continue;  // no worker facts: no process count
    const auto it = pool.find(q.name);
    AppendSample(processes.samples, processes.name, labels, it == pool.end() ? 0 : it->second);
  }
  out.push_back(std::move(length));
  out.push_back(std::move(consumers));
  out.push_back(std::move(processes));
}

}  // namespace

std::vector<MetricFamily> CeleryViewFamilies(std::string_view source_name, const MetricStyle& style,
                                             const WorkersView* workers, const QueuesView* queues) {
  // An absent view declares its families without samples (never shown as zeros).
  static const WorkersView kNoWorkers;
  static const QueuesView kNoQueues;
  std::vector<MetricFamily> out;
  const std::string source = Label("source", source_name);
  AddWorkerFamilies(workers ? *workers : kNoWorkers, style.prefix, source, style.static_labels, out);
  AddQueueFamilies(queues ? *queues : kNoQueues, workers, style.prefix, source, style.static_labels, out);
  return out;
}

}  // namespace queuemon::sources::celery
