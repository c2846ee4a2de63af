// Task events -> celery-exporter's counters and histograms.
#include "sources/celery/task_metrics.h"

#include <algorithm>

namespace queuemon::sources::celery {
namespace {

constexpr std::string_view kGeneric = "generic";
constexpr auto kPurgeCheckEvery = std::chrono::seconds(10);

constexpr const char* kCounterHelp[kTaskEventTypes] = {
    "Sent when a task message is published.",
    "Sent when the worker receives a task.",
    "Sent just before the worker executes the task.",
    "Sent if the task executed successfully.",
    "Sent if the execution of the task failed.",
    "The task was rejected by the worker, possibly to be re-queued or moved to a dead letter "
    "queue.",
    "Sent if the task has been revoked.",
    "Sent if the task failed, but will be retried in the future.",
};

void AppendLabel(std::string& out, std::string_view name, std::string_view value) {
  if (!out.empty()) out += ',';
  out += name;
  out += "=\"";
  out += EscapeLabelValue(value);
  out += '"';
}

void AppendSample(std::string& out, std::string_view name, std::string_view labels,
                  std::string_view extra, double value) {
  out += name;
  out += '{';
  out += labels;
  out += extra;
  out += "} ";
  AppendSampleValue(out, value);
  out += '\n';
}

}  // namespace

TaskMetrics::TaskMetrics(TaskMetricsOptions options, const base::Clock& clock)
    : options_(std::move(options)),
      static_labels_(FormatStaticLabels(options_.static_labels)),
      clock_(clock) {}

std::string TaskMetrics::NameLabel(std::string_view name) {
  if (names_.find(name) != names_.end()) return std::string(name);
  if (names_.size() < options_.max_task_names) {
    names_.emplace(std::string(name), true);
    return std::string(name);
  }
  ++overflowed_;
  return std::string(kOverflowName);
}

TaskMetrics::Series& TaskMetrics::SeriesOf(std::string_view name, std::string_view host,
                                           std::string_view queue) {
  std::string labels;
  AppendLabel(labels, "source", options_.source);
  AppendLabel(labels, "name", name);
  AppendLabel(labels, "hostname", host);
  AppendLabel(labels, "queue_name", queue);
  auto it = series_.find(labels);
  if (it == series_.end()) {
    it = series_.emplace(labels, Series{}).first;
    it->second.labels = std::move(labels);
    it->second.host = std::string(host);
  }
  return it->second;
}

void TaskMetrics::Observe(std::optional<Histogram>& h, const std::vector<double>& buckets,
                          double value) {
  if (!h) h.emplace().counts.assign(buckets.size() + 1, 0);
  const auto at = std::lower_bound(buckets.begin(), buckets.end(), value);  // le: value <= bound
  ++h->counts[static_cast<std::size_t>(at - buckets.begin())];
  h->sum += value;
  ++h->count;
}

void TaskMetrics::Record(const TaskEvent& event, const TaskFacts& facts) {
  const bool sent = event.type == TaskEventType::kSent;
  const bool generic = sent ? options_.generic_hostname_task_sent
                            : options_.generic_hostname_worker_tasks;
  const std::string_view host = generic ? kGeneric : HostOf(event.hostname);
  const std::string_view queue = facts.queue.empty() ? std::string_view(options_.default_queue_name)
                                                     : facts.queue;
  base::MutexLock lock(mu_);
  host_seen_[std::string(HostOf(event.hostname))] = clock_.Now();
  const std::string name = NameLabel(facts.name.empty() ? std::string_view("unknown") : facts.name);
  Series& series = SeriesOf(name, host, queue);
  ++series.counts[static_cast<std::size_t>(event.type)];
  series.sent_exists = series.sent_exists || sent;
  if (!sent && !series.all_exist) {
    series.all_exist = true;
    series.failed.try_emplace("", 0);
  }
  if (event.type == TaskEventType::kFailed) ++series.failed[ExceptionClass(event.exception)];
  if (event.type == TaskEventType::kSucceeded && event.runtime) {
    Observe(series.runtime, options_.runtime_buckets, *event.runtime);
  }
  if (facts.queue_wait) Observe(series.queue_wait, options_.queue_wait_buckets, *facts.queue_wait);
  ++generation_;
}

void TaskMetrics::Seen(std::string_view node) {
  base::MutexLock lock(mu_);
  const std::string_view host = HostOf(node);
  auto it = host_seen_.find(host);
  if (it == host_seen_.end()) it = host_seen_.emplace(std::string(host), base::TimePoint{}).first;
  it->second = clock_.Now();
}

// celery-exporter's purge_worker_metrics: every series of a host silent for purge_offline_after.
void TaskMetrics::PurgeSilentHosts() {
  const base::TimePoint now = clock_.Now();
  if (now < next_purge_) return;
  next_purge_ = now + kPurgeCheckEvery;
  for (auto host = host_seen_.begin(); host != host_seen_.end();) {
    if (now - host->second <= options_.purge_offline_after) {
      ++host;
      continue;
    }
    const std::size_t before = series_.size();
    std::erase_if(series_, [&](const auto& item) { return item.second.host == host->first; });
    if (series_.size() != before) ++generation_;
    host = host_seen_.erase(host);
  }
}

std::shared_ptr<const std::vector<MetricFamily>> TaskMetrics::Families() {
  base::MutexLock lock(mu_);
  PurgeSilentHosts();
  if (rendered_generation_ != generation_ || rendered_ == nullptr) {
    rendered_ = std::make_shared<const std::vector<MetricFamily>>(Render());
    rendered_generation_ = generation_;
  }
  return rendered_;
}

std::vector<MetricFamily> TaskMetrics::Render() const {
  std::vector<MetricFamily> families;
  for (std::size_t i = 0; i < kTaskEventTypes; ++i) {
    const auto type = static_cast<TaskEventType>(i);
    MetricFamily& f = families.emplace_back();
    f.name = options_.prefix + "task_" + std::string(StemOf(type)) + "_total";
    f.type = "counter";
    f.help = kCounterHelp[i];
    for (const auto& [key, s] : series_) {
      if (!s.all_exist && !(type == TaskEventType::kSent && s.sent_exists)) continue;
      if (type != TaskEventType::kFailed) {
        AppendSample(f.samples, f.name, s.labels, static_labels_, static_cast<double>(s.counts[i]));
        continue;
      }
      for (const auto& [exception, count] : s.failed) {
        AppendSample(f.samples, f.name, s.labels,
                     ",exception=\"" + EscapeLabelValue(exception) + "\"" + static_labels_,
                     static_cast<double>(count));
      }
    }
  }
  MetricFamily& runtime = families.emplace_back();
  runtime.name = options_.prefix + "task_runtime";
  runtime.type = "histogram";
  runtime.help = "Histogram of task runtime measurements.";
  RenderHistogram(runtime, options_.runtime_buckets, &Series::runtime);
  MetricFamily& wait = families.emplace_back();
  wait.name = options_.prefix + "task_queue_wait_time";
  wait.type = "histogram";
  wait.help = "Histogram of the time tasks wait between task-sent and task-started.";
  RenderHistogram(wait, options_.queue_wait_buckets, &Series::queue_wait);
  return families;
}

void TaskMetrics::RenderHistogram(MetricFamily& family, const std::vector<double>& buckets,
                                  std::optional<Histogram> Series::*which) const {
  const std::string bucket_name = family.name + "_bucket";
  std::vector<std::string> bounds;
  for (double b : buckets) bounds.push_back(",le=\"" + BucketBound(b) + "\"" + static_labels_);
  bounds.push_back(",le=\"+Inf\"" + static_labels_);
  for (const auto& [key, s] : series_) {
    const std::optional<Histogram>& h = s.*which;
    if (!h) continue;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h->counts.size(); ++i) {
      cumulative += h->counts[i];
      AppendSample(family.samples, bucket_name, s.labels, bounds[i], static_cast<double>(cumulative));
    }
    AppendSample(family.samples, family.name + "_count", s.labels, static_labels_,
                 static_cast<double>(h->count));
    AppendSample(family.samples, family.name + "_sum", s.labels, static_labels_, h->sum);
  }
}

std::uint64_t TaskMetrics::overflowed() const {
  base::MutexLock lock(mu_);
  return overflowed_;
}

std::size_t TaskMetrics::series() const {
  base::MutexLock lock(mu_);
  return series_.size();
}

}  // namespace queuemon::sources::celery
