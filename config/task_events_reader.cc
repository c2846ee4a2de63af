// "task_events" -> TaskEventsOptions.
#include "config/task_events_reader.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "config/keys.h"

namespace queuemon::config {
namespace {

using nlohmann::json;

// Prometheus' metric and label name grammar ([a-zA-Z_:][a-zA-Z0-9_:]*, no ':' in labels).
bool ValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void ReadBuckets(ObjectReader& r, std::string_view key, std::vector<double>& out) {
  const json* value = r.Child(key);
  if (value == nullptr) return;
  const std::string path = r.PathOf(key);
  if (!value->is_array() || value->empty()) FailAt(path, "must be a non-empty list of numbers", *value);
  std::vector<double> buckets;
  for (const json& b : *value) {
    if (!b.is_number() || !std::isfinite(b.get<double>())) FailAt(path, "must hold finite numbers only", *value);
    buckets.push_back(b.get<double>());
  }
  if (std::adjacent_find(buckets.begin(), buckets.end(), std::greater_equal<>()) != buckets.end()) {
    FailAt(path, "must be strictly ascending", *value);
  }
  out = std::move(buckets);  // +Inf is always added
}

void ReadStaticLabels(ObjectReader& r, std::vector<std::pair<std::string, std::string>>& out) {
  const json* value = r.Child(keys::kStaticLabels);
  if (value == nullptr) return;
  const std::string path = r.PathOf(keys::kStaticLabels);
  if (!value->is_object()) FailAt(path, "must be an object of label name to string value", *value);
  static constexpr std::string_view kReserved[] = {"source", "name", "hostname", "queue_name",
                                                   "exception", "le", "cache", "view", "code", "reason"};
  out.clear();
  for (const auto& [name, label] : value->items()) {
    const std::string at = path + "." + name;
    if (!ValidName(name, false) || name.starts_with("__")) FailAt(at, "is not a valid label name");
    if (std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved)) {
      FailAt(at, "is a label queuemon sets itself");
    }
    if (!label.is_string()) FailAt(at, "must be a string", label);
    out.emplace_back(name, label.get<std::string>());
  }
}

}  // namespace

void ReadTaskEventsOptions(ObjectReader& r, sources::celery::TaskEventsOptions& out) {
  auto& metrics = out.metrics;
  r.ReadString(keys::kMetricPrefix, metrics.prefix);
  if (!ValidName(metrics.prefix, true)) {
    FailAt(r.PathOf(keys::kMetricPrefix), "must match [a-zA-Z_:][a-zA-Z0-9_:]*", json(metrics.prefix));
  }
  ReadStaticLabels(r, metrics.static_labels);
  r.ReadBool(keys::kGenericHostnameTaskSent, metrics.generic_hostname_task_sent);
  r.ReadBool(keys::kGenericHostnameWorkerTasks, metrics.generic_hostname_worker_tasks);
  r.ReadString(keys::kDefaultQueueName, metrics.default_queue_name);
  if (metrics.default_queue_name.empty()) FailAt(r.PathOf(keys::kDefaultQueueName), "must not be empty");
  ReadBuckets(r, keys::kRuntimeBuckets, metrics.runtime_buckets);
  ReadBuckets(r, keys::kQueueWaitBuckets, metrics.queue_wait_buckets);
  r.ReadSeconds(keys::kWorkerTimeoutSeconds, out.worker_timeout, /*allow_zero=*/true, 86'400);
  r.ReadSize(keys::kMaxTaskNames, metrics.max_task_names, 1, 1'000'000);
  r.ReadSize(keys::kTaskTableBytes, out.table.max_bytes, std::size_t{1} << 20, std::size_t{1} << 36);
  r.ReadBool(keys::kKeepTaskArgs, out.table.keep_task_args);
  r.ReadSeconds(keys::kStatsWindowSeconds, out.table.stats_window, false, 7 * 86'400);
  r.ReadSize(keys::kMaxTracebackBytes, out.table.max_traceback_bytes, 0, std::size_t{1} << 20);
  r.RejectUnknown();
}

}  // namespace queuemon::config
