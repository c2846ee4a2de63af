// BrokerLinkMonitor: counters are atomics (read by /metrics without the lock); the down/up state
// machine and its rate-limited log lines run under mu_.
#include "redis/link_monitor.h"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "redis/url.h"

namespace queuemon::redis {
namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// "retrying in 1.234 s", or for a link that dials again at its next command (no backoff after a
// lost connection) "reconnecting on next use".
std::string Retry(double seconds) {
  return seconds > 0 ? fmt::format("retrying in {:.3f} s", seconds) : "reconnecting on next use";
}

}  // namespace

BrokerLinkMonitor::BrokerLinkMonitor(std::string who, std::string_view url,
                                     std::function<Clock::time_point()> now)
    : who_(std::move(who)), url_(RedactRedisUrl(url)), now_(std::move(now)) {}

void BrokerLinkMonitor::ConnectFailed(std::string_view reason, std::chrono::milliseconds retry_in) {
  connect_failures_.fetch_add(1, std::memory_order_relaxed);
  Failed("connect failed", reason, retry_in);
}

void BrokerLinkMonitor::Disconnected(std::string_view reason, std::chrono::milliseconds retry_in) {
  disconnects_.fetch_add(1, std::memory_order_relaxed);
  Failed("connection lost", reason, retry_in);
}

void BrokerLinkMonitor::Failed(std::string_view what, std::string_view reason,
                               std::chrono::milliseconds retry_in) {
  const auto now = now_();
  base::MutexLock lock(mu_);
  backoff_seconds_ = Seconds(retry_in);
  if (!down_.exchange(true)) {
    down_since_ = now;
    last_warning_ = now;
    failures_while_down_ = 1;
    spdlog::warn("broker link down: {} {}: {}: {}; {}", who_, url_, what, reason,
                 Retry(backoff_seconds_));
    return;
  }
  ++failures_while_down_;
  if (now - last_warning_ < kStillDownEvery) return;
  last_warning_ = now;
  spdlog::warn("broker link still down: {} {}: {} failures in {:.0f} s, last {}: {}; {}", who_,
               url_, failures_while_down_, Seconds(now - down_since_), what, reason,
               Retry(backoff_seconds_));
}

void BrokerLinkMonitor::LinkAnswered(bool after_failure) {
  if (after_failure) reconnects_.fetch_add(1, std::memory_order_relaxed);
  Answered();
  answered_links_.fetch_add(1, std::memory_order_acq_rel);
  std::vector<AnswerListener> listeners;
  {
    base::MutexLock lock(listeners_mu_);
    if (listeners_.empty()) return;
    listeners.reserve(listeners_.size());
    for (const auto& [id, listener] : listeners_) listeners.push_back(listener);
  }
  for (const auto& listener : listeners) listener();
}

std::uint64_t BrokerLinkMonitor::AddAnswerListener(AnswerListener listener) {
  base::MutexLock lock(listeners_mu_);
  listeners_.emplace_back(++next_listener_id_, std::move(listener));
  return next_listener_id_;
}

void BrokerLinkMonitor::RemoveAnswerListener(std::uint64_t id) {
  base::MutexLock lock(listeners_mu_);
  std::erase_if(listeners_, [id](const auto& entry) { return entry.first == id; });
}

void BrokerLinkMonitor::Answered() {
  if (!down_.load(std::memory_order_acquire)) return;
  const auto now = now_();
  base::MutexLock lock(mu_);
  if (!down_.exchange(false)) return;
  backoff_seconds_ = 0;
  spdlog::info("broker link up again: {} {} after {:.1f} s ({} failures)", who_, url_,
               Seconds(now - down_since_), failures_while_down_);
}

BrokerLinkStats BrokerLinkMonitor::Stats() const {
  BrokerLinkStats stats;
  stats.connect_failures = connect_failures_.load(std::memory_order_relaxed);
  stats.disconnects = disconnects_.load(std::memory_order_relaxed);
  stats.reconnects = reconnects_.load(std::memory_order_relaxed);
  base::MutexLock lock(mu_);
  stats.backoff_seconds = backoff_seconds_;
  stats.down = down_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace queuemon::redis
