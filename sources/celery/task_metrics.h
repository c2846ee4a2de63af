#pragma once
// TaskMetrics: celery-exporter's task metric families, kept from task events. Per label set
// (name, hostname, queue_name; plus `source` and the static labels) the counters
// <prefix>task_{sent,received,started,succeeded,failed,rejected,revoked,retried}_total (failed
// also by `exception`), and the histograms <prefix>task_runtime (task-succeeded's runtime) and
// <prefix>task_queue_wait_time (task-sent to task-started).
//
// As celery-exporter: `hostname` is the host part of the sending node (or "generic" when
// configured); the first non-sent event of a label set creates every counter of it at 0
// (task-failed with exception=""); task-sent creates only its own counter. Bounded: at most
// max_task_names names (later names are counted under kOverflowName and in overflowed()), and
// a host with no event for purge_offline_after loses its series. Counters only ever grow
// otherwise, for the object's life.
//
// Families() renders the text once per change and returns the same shared text until the next
// change (a scrape with nothing new costs a pointer copy). Each label set keeps its rendered
// lines, re-rendered only when it changed; the concatenation into families happens outside
// the lock, so a scrape holds the event path up for the changed label sets only.
// Thread-safety: all methods are thread-safe (one mutex; Record holds it for a map update).

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "sources/celery/task_event.h"
#include "sources/metric_family.h"

namespace queuemon::sources::celery {

struct TaskMetricsOptions {
  std::string source;                 // the `source` label
  std::string prefix = "celery_";
  std::string default_queue_name = "celery";  // queue_name before/without a task-sent
  std::vector<std::pair<std::string, std::string>> static_labels;
  bool generic_hostname_task_sent = false;     // task-sent counted under hostname="generic"
  bool generic_hostname_worker_tasks = false;  // every other event likewise
  std::vector<double> runtime_buckets{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                      0.5,   0.75, 1,     2.5,  5,     7.5, 10};
  std::vector<double> queue_wait_buckets{0.05, 0.1, 0.25, 0.5, 1,   2.5,  5,   10,
                                         30,   60,  120,  300, 600, 1800};
  std::size_t max_task_names = 1000;
  std::chrono::milliseconds purge_offline_after{std::chrono::minutes(10)};

  bool operator==(const TaskMetricsOptions&) const = default;
};

// What the task table knows of the task an event belongs to.
struct TaskFacts {
  std::string_view name;                 // "" when unknown
  std::string_view queue;                // "" when no task-sent seen
  std::optional<double> queue_wait;      // set once, when sent and started are both known
};

class TaskMetrics final {
 public:
  // REQUIRES: `clock` outlives the object.
  TaskMetrics(TaskMetricsOptions options, const base::Clock& clock);

  void Record(const TaskEvent& event, const TaskFacts& facts);
  // Any event of `node` (heartbeats too): keeps its host's series from being purged.
  void Seen(std::string_view node);
  std::shared_ptr<const std::vector<MetricFamily>> Families();
  std::uint64_t overflowed() const;  // events counted under kOverflowName
  std::size_t series() const;        // label sets held

 private:
  struct Histogram {
    std::vector<std::uint64_t> counts;  // per bucket, not cumulative; the last is +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  struct Series {
    std::string labels;  // `source="..",name="..",hostname="..",queue_name=".."`
    std::string host;
    std::array<std::uint64_t, kTaskEventTypes> counts{};
    bool sent_exists = false, all_exist = false;
    std::map<std::string, std::uint64_t> failed;  // exception class -> count
    std::optional<Histogram> runtime, queue_wait;
    // This label set's sample lines of each family (kFamilies), rebuilt only when `dirty`: a
    // scrape re-renders the label sets that changed since the last one and concatenates.
    // Immutable once made, so a scrape concatenates them after letting go of the lock.
    bool dirty = true;
    std::array<std::shared_ptr<const std::string>, kTaskEventTypes + 2> text;
  };
  static constexpr std::size_t kFamilies = kTaskEventTypes + 2;  // counters, runtime, queue wait

  // `name`, or kOverflowName past max_task_names (the view stays valid while mu_ is held).
  std::string_view NameLabel(std::string_view name) REQUIRES(mu_);
  void MarkSeen(std::string_view host) REQUIRES(mu_);
  Series& SeriesOf(std::string_view name, std::string_view host, std::string_view queue) REQUIRES(mu_);
  void Observe(std::optional<Histogram>& h, const std::vector<double>& buckets, double value);
  void PurgeSilentHosts() REQUIRES(mu_);
  using Parts = std::array<std::vector<std::shared_ptr<const std::string>>, kTaskEventTypes + 2>;
  Parts CollectParts() REQUIRES(mu_);
  std::vector<MetricFamily> Concatenate(const Parts& parts) const;
  void RenderSeries(Series& s) const;
  void RenderHistogram(std::string& out, std::size_t family, const Series& s,
                       const std::optional<Histogram>& h,
                       const std::vector<std::string>& bounds) const;

  const TaskMetricsOptions options_;
  const std::string static_labels_;
  std::vector<std::string> family_names_;   // kFamilies names, with the prefix
  std::vector<std::string> runtime_bounds_, wait_bounds_;  // `,le="0.005"<static labels>`...
  const base::Clock& clock_;
  mutable base::Mutex mu_;
  std::map<std::string, Series, std::less<>> series_ GUARDED_BY(mu_);  // by labels
  // name '\0' host '\0' queue -> series_ value (map nodes are stable).
  std::unordered_map<std::string, Series*> index_ GUARDED_BY(mu_);
  std::string scratch_key_ GUARDED_BY(mu_);
  std::map<std::string, base::TimePoint, std::less<>> host_seen_ GUARDED_BY(mu_);
  std::map<std::string, bool, std::less<>> names_ GUARDED_BY(mu_);
  std::uint64_t overflowed_ GUARDED_BY(mu_) = 0;
  std::uint64_t generation_ GUARDED_BY(mu_) = 1;
  std::uint64_t rendered_generation_ GUARDED_BY(mu_) = 0;
  base::TimePoint next_purge_ GUARDED_BY(mu_){};
  std::shared_ptr<const std::vector<MetricFamily>> rendered_ GUARDED_BY(mu_);
};

}  // namespace queuemon::sources::celery
