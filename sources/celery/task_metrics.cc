// Task events -> celery-exporter's counters and histograms.
#include "sources/celery/task_metrics.h"

#include <algorithm>
#include <charconv>

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
    ("The task was rejected by the worker, possibly to be re-queued or moved to a dead letter "
     "queue."),
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

void AppendHead(std::string& out, std::string_view name, std::string_view suffix,
                std::string_view labels, std::string_view extra) {
  out += name;
  out += suffix;
  out += '{';
  out += labels;
  out += extra;
  out += "} ";
}

void AppendCount(std::string& out, std::uint64_t value) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out.append(buf, end);
  out += '\n';
}

std::vector<std::string> BoundLabels(const std::vector<double>& buckets, const std::string& tail) {
  std::vector<std::string> bounds;
  for (double b : buckets) bounds.push_back(",le=\"" + BucketBound(b) + "\"" + tail);
  bounds.push_back(",le=\"+Inf\"" + tail);
  return bounds;
}

}  // namespace

TaskMetrics::TaskMetrics(TaskMetricsOptions options, const base::Clock& clock)
    : options_(std::move(options)),
      static_labels_(FormatStaticLabels(options_.static_labels)),
      runtime_bounds_(BoundLabels(options_.runtime_buckets, static_labels_)),
      wait_bounds_(BoundLabels(options_.queue_wait_buckets, static_labels_)),
      clock_(clock) {
  for (std::size_t i = 0; i < kTaskEventTypes; ++i) {
    family_names_.push_back(options_.prefix + "task_" +
                            std::string(StemOf(static_cast<TaskEventType>(i))) + "_total");
  }
  family_names_.push_back(options_.prefix + "task_runtime");
  family_names_.push_back(options_.prefix + "task_queue_wait_time");
}

std::string_view TaskMetrics::NameLabel(std::string_view name) {
  if (names_.find(name) != names_.end()) return name;
  if (names_.size() < options_.max_task_names) {
    names_.emplace(std::string(name), true);
    return name;
  }
  ++overflowed_;
  return kOverflowName;
}

void TaskMetrics::MarkSeen(std::string_view host) {
  auto it = host_seen_.find(host);
  if (it == host_seen_.end()) it = host_seen_.emplace(std::string(host), base::TimePoint{}).first;
  it->second = clock_.Now();
}

// Per event: a short raw key into `index_` (no escaping, no long comparisons); the formatted
// label text only when a label set is new.
TaskMetrics::Series& TaskMetrics::SeriesOf(std::string_view name, std::string_view host,
                                           std::string_view queue) {
  std::string& key = scratch_key_;
  key.assign(name);
  key += '\0';
  key += host;
  key += '\0';
  key += queue;
  if (const auto found = index_.find(key); found != index_.end()) return *found->second;
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
  index_.emplace(key, &it->second);
  return it->second;
}

void TaskMetrics::Observe(std::optional<Histogram>& h, const std::vector<double>& buckets,
                          double value) {
  if (!h) {
    Histogram fresh;
    fresh.counts.assign(buckets.size() + 1, 0);
    h = std::move(fresh);
  }
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
  MarkSeen(HostOf(event.hostname));
  const std::string_view name =
      NameLabel(facts.name.empty() ? std::string_view("unknown") : facts.name);
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
  series.dirty = true;
  ++generation_;
}

void TaskMetrics::Seen(std::string_view node) {
  base::MutexLock lock(mu_);
  MarkSeen(HostOf(node));
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
    std::erase_if(index_, [&](const auto& item) { return item.second->host == host->first; });
    std::erase_if(series_, [&](const auto& item) { return item.second.host == host->first; });
    if (series_.size() != before) ++generation_;
    host = host_seen_.erase(host);
  }
}

std::shared_ptr<const std::vector<MetricFamily>> TaskMetrics::Families() {
  Parts parts;
  std::uint64_t generation = 0;
  {
    base::MutexLock lock(mu_);
    PurgeSilentHosts();
    if (rendered_ != nullptr && rendered_generation_ == generation_) return rendered_;
    parts = CollectParts();
    generation = generation_;
  }
  auto families = std::make_shared<const std::vector<MetricFamily>>(Concatenate(parts));
  base::MutexLock lock(mu_);
  if (generation > rendered_generation_) {
    rendered_ = families;
    rendered_generation_ = generation;
  }
  return families;
}

// Re-renders the label sets that changed and takes a reference to every label set's lines.
TaskMetrics::Parts TaskMetrics::CollectParts() {
  Parts parts;
  for (auto& part : parts) part.reserve(series_.size());
  for (auto& [key, s] : series_) {
    if (s.dirty) RenderSeries(s);
    s.dirty = false;
    for (std::size_t f = 0; f < kFamilies; ++f) {
      if (!s.text[f]->empty()) parts[f].push_back(s.text[f]);
    }
  }
  return parts;
}

// One allocation per family: the sizes are summed first.
std::vector<MetricFamily> TaskMetrics::Concatenate(const Parts& parts) const {
  std::vector<MetricFamily> families(kFamilies);
  for (std::size_t f = 0; f < kFamilies; ++f) {
    MetricFamily& family = families[f];
    family.name = family_names_[f];
    family.type = f < kTaskEventTypes ? "counter" : "histogram";
    family.help = f < kTaskEventTypes ? kCounterHelp[f]
                  : f == kTaskEventTypes
                      ? "Histogram of task runtime measurements."
                      : "Histogram of the time tasks wait between task-sent and task-started.";
    std::size_t size = 0;
    for (const auto& part : parts[f]) size += part->size();
    family.samples.reserve(size);
    for (const auto& part : parts[f]) family.samples += *part;
  }
  return families;
}

void TaskMetrics::RenderSeries(Series& s) const {
  std::array<std::string, kFamilies> text;
  for (std::size_t i = 0; i < kTaskEventTypes; ++i) {
    const auto type = static_cast<TaskEventType>(i);
    if (!s.all_exist && !(type == TaskEventType::kSent && s.sent_exists)) continue;
    if (type != TaskEventType::kFailed) {
      AppendHead(text[i], family_names_[i], "", s.labels, static_labels_);
      AppendCount(text[i], s.counts[i]);
      continue;
    }
    for (const auto& [exception, count] : s.failed) {
      AppendHead(text[i], family_names_[i], "", s.labels,
                 ",exception=\"" + EscapeLabelValue(exception) + "\"" + static_labels_);
      AppendCount(text[i], count);
    }
  }
  RenderHistogram(text[kTaskEventTypes], kTaskEventTypes, s, s.runtime, runtime_bounds_);
  RenderHistogram(text[kTaskEventTypes + 1], kTaskEventTypes + 1, s, s.queue_wait, wait_bounds_);
  for (std::size_t f = 0; f < kFamilies; ++f) {
    s.text[f] = std::make_shared<const std::string>(std::move(text[f]));
  }
}

void TaskMetrics::RenderHistogram(std::string& out, std::size_t family, const Series& s,
                                  const std::optional<Histogram>& h,
                                  const std::vector<std::string>& bounds) const {
  if (!h) return;
  const std::string& name = family_names_[family];
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h->counts.size(); ++i) {
    cumulative += h->counts[i];
    AppendHead(out, name, "_bucket", s.labels, bounds[i]);
    AppendCount(out, cumulative);
  }
  AppendHead(out, name, "_count", s.labels, static_labels_);
  AppendCount(out, h->count);
  AppendHead(out, name, "_sum", s.labels, static_labels_);
  AppendSampleValue(out, h->sum);
  out += '\n';
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
