// RQ's job-queue families, named and labelled as rq-exporter (mdawar/rq-exporter, the usual RQ
// exporter) names them, so its Grafana boards and alerts work: rq_workers{name,state,queues},
// rq_workers_{success,failed,working_time}_total{name,queues}, rq_jobs{queue,status}. One family
// of ours, as that exporter has no such series: rq_queue_latency_seconds{queue}, the age of the
// oldest waiting job (the name Sidekiq's exporter gives the same thing). Every series also
// carries `source`.
#include "sources/rq/rq_source.h"

namespace queuemon::sources::rq {
namespace {

std::string JoinQueues(const std::vector<std::string>& queues) {
  std::string out;
  for (const std::string& q : queues) out += (out.empty() ? "" : ",") + q;
  return out;
}

void AddWorkerFamilies(const WorkersView& view, const std::string& source,
                       std::vector<MetricFamily>& out) {
  MetricFamily workers = ViewGauge("rq_workers", "RQ workers: 1 per live worker, by state.");
  MetricFamily success{"rq_workers_success_total", "counter", "Jobs the worker finished successfully.", {}};
  MetricFamily failed{"rq_workers_failed_total", "counter", "Jobs the worker failed.", {}};
  MetricFamily working{"rq_workers_working_time_total", "counter", "Seconds the worker spent running jobs.", {}};
  for (const WorkerInfo& w : view.workers) {
    if (w.status != "online") continue;
    const std::string name = source + "," + Label("name", w.hostname);
    const std::string queues = "," + Label("queues", JoinQueues(w.queues));
    AppendSample(workers.samples, workers.name, name + "," + Label("state", w.state.value_or("")) + queues, 1);
    AppendSample(success.samples, success.name, name + queues, static_cast<double>(w.processed.value_or(0)));
    AppendSample(failed.samples, failed.name, name + queues, static_cast<double>(w.failed.value_or(0)));
    AppendSample(working.samples, working.name, name + queues, w.total_working_time.value_or(0));
  }
  for (MetricFamily* f : {&workers, &success, &failed, &working}) out.push_back(std::move(*f));
}

void AddQueueFamilies(const QueuesView& view, const std::string& source,
                      std::vector<MetricFamily>& out) {
  MetricFamily jobs = ViewGauge("rq_jobs", "RQ jobs by queue and state.");
  MetricFamily latency = ViewGauge("rq_queue_latency_seconds",
                                   "Seconds since the oldest job waiting in the queue was enqueued (0: none waits).");
  for (const QueueInfo& q : view.queues) {
    const std::string queue = source + "," + Label("queue", q.name);
    for (const auto& [state, n] : q.jobs) {
      AppendSample(jobs.samples, jobs.name, queue + "," + Label("status", state), static_cast<double>(n));
    }
    AppendSample(latency.samples, latency.name, queue, q.oldest_job_age.value_or(0));
  }
  out.push_back(std::move(jobs));
  out.push_back(std::move(latency));
}

}  // namespace

std::vector<MetricFamily> RqSource::ViewFamilies(const WorkersView* workers,
                                                 const QueuesView* queues) const {
  // An absent view declares its families without samples (never shown as zeros).
  static const WorkersView kNoWorkers;
  static const QueuesView kNoQueues;
  std::vector<MetricFamily> out;
  const std::string source = Label("source", Name());
  AddWorkerFamilies(workers ? *workers : kNoWorkers, source, out);
  AddQueueFamilies(queues ? *queues : kNoQueues, source, out);
  return out;
}

}  // namespace queuemon::sources::rq
