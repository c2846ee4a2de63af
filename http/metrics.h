#pragma once
// HttpMetrics: counters of served HTTP requests (by status class) and a latency histogram, fed
// by the session and rendered by /metrics. Relaxed atomics; thread-safe; no locks.

#include <array>
#include <atomic>
#include <cstdint>

namespace queuemon::http {

// Why a connection was refused at accept (queuemon_http_connections_refused_total{reason}).
enum class Refusal { kMaxConnections, kPerAddress, kShuttingDown };
inline constexpr const char* kRefusalNames[] = {"max_connections", "per_address",
                                                "shutting_down"};
// Why the server closed a connection it had admitted (queuemon_http_connections_closed_total).
enum class Cutoff { kHeaderTimeout, kReadTimeout, kIdleEvicted, kWriteTimeout };
inline constexpr const char* kCutoffNames[] = {"header_timeout", "read_timeout", "idle_evicted",
                                               "write_timeout"};

class HttpMetrics final {
 public:
  // Upper bounds (seconds) of the latency histogram buckets; +Inf is implicit.
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,  0.01,    0.025,  0.05,  0.1,
                                                      0.5,    2.5};

  struct Counts {
    std::array<std::uint64_t, 5> by_class{};              // 1xx..5xx
    std::array<std::uint64_t, kBuckets.size() + 1> bucket_counts{};  // non-cumulative; last=+Inf
    double latency_sum_seconds = 0;
    std::uint64_t count = 0;
    std::array<std::uint64_t, 3> connections_refused{};  // by Refusal
    std::array<std::uint64_t, 4> connections_cut{};      // by Cutoff
    std::uint64_t connections_open = 0;
  };

  void Record(int status, double seconds);
  void ConnectionOpened() { open_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionClosed() { open_.fetch_sub(1, std::memory_order_relaxed); }
  void ConnectionRefused(Refusal why) {
    refused_[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed);
  }
  void ConnectionCut(Cutoff why) {
    cut_[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed);
  }
  Counts Read() const;

 private:
  std::array<std::atomic<std::uint64_t>, 5> by_class_{};
  std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_nanos_{0};
  std::atomic<std::uint64_t> count_{0};
  std::array<std::atomic<std::uint64_t>, 3> refused_{};
  std::array<std::atomic<std::uint64_t>, 4> cut_{};
  std::atomic<std::int64_t> open_{0};
};

}  // namespace queuemon::http
