#pragma once
// MetricFamily: a family of Prometheus series a source renders itself (series it keeps from
// events, which no cached view holds), and MetricStyle: how a source's job-queue families are
// named and labelled. The API merges the families of every source by name under one HELP/TYPE
// header. Plain data, and pure formatting helpers of the text format (thread-safe).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace queuemon::sources {

struct MetricFamily {
  std::string name;     // "celery_task_sent_total"
  std::string type;     // "counter" | "gauge" | "histogram"
  std::string help;
  std::string samples;  // complete sample lines ("name{labels} value\n"), possibly empty
};

struct MetricStyle {
  std::string prefix;  // "celery_": prepended to worker_up, queue_length, ...
  // Extra labels on every job-queue series, already formatted: `,env="prod"` (or empty).
  std::string static_labels;
};

// A label value escaped for the text format: backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view value);
// `name="value"` (value escaped).
std::string Label(std::string_view name, std::string_view value);
// "name{labels} value\n"; no braces when `labels` is empty.
void AppendSample(std::string& out, std::string_view name, std::string_view labels, double value);

// The HELP sentence every family built from a cached view ends with: how fresh it is.
inline constexpr std::string_view kViewFreshness =
    " Read through the worker_status/queue_status cache like a JSON client: at most ttl old "
    "while the broker answers, up to ttl + stale_for when it does not, absent past that; see "
    "queuemon_snapshot_age_seconds.";
// A gauge family built from a cached view: its help gets kViewFreshness.
MetricFamily ViewGauge(std::string name, std::string_view help);
// `,k="v"` for each pair, in order (values escaped).
std::string FormatStaticLabels(const std::vector<std::pair<std::string, std::string>>& labels);
// A sample value: shortest round-trip decimal, "NaN", "+Inf", "-Inf".
void AppendSampleValue(std::string& out, double value);
// The host part of a node name ("w1@host" -> "host"), the `hostname` label of job-queue
// series as celery-exporter's get_hostname makes it; a name without '@' is its own host.
std::string_view HostOf(std::string_view node);
// A histogram bound as Python's prometheus_client writes `le`: "0.005", "1.0", "+Inf", so
// rules written against celery-exporter's series match.
std::string BucketBound(double bound);

}  // namespace queuemon::sources
