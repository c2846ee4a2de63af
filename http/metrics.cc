#include "http/metrics.h"

#include <algorithm>
#include <cmath>

namespace queuemon::http {

void HttpMetrics::Record(int status, double seconds) {
  const int cls = std::clamp(status / 100, 1, 5) - 1;
  by_class_[static_cast<std::size_t>(cls)].fetch_add(1, std::memory_order_relaxed);
  const auto it = std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds);
  buckets_[static_cast<std::size_t>(it - kBuckets.begin())].fetch_add(1, std::memory_order_relaxed);
  const double nanos = std::max(0.0, seconds) * 1e9;
  sum_nanos_.fetch_add(static_cast<std::uint64_t>(std::llround(nanos)), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

HttpMetrics::Counts HttpMetrics::Read() const {
  Counts s;
  for (std::size_t i = 0; i < by_class_.size(); ++i) {
    s.by_class[i] = by_class_[i].load(std::memory_order_relaxed);
  }
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    s.bucket_counts[i] = buckets_[i].load(std::memory_order_relaxed);
  }
  s.latency_sum_seconds = static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9;
  s.count = count_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < refused_.size(); ++i) {
    s.connections_refused[i] = refused_[i].load(std::memory_order_relaxed);
  }
  for (std::size_t i = 0; i < cut_.size(); ++i) {
    s.connections_cut[i] = cut_[i].load(std::memory_order_relaxed);
  }
  s.connections_open =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, open_.load(std::memory_order_relaxed)));
  return s;
}

}  // namespace queuemon::http
