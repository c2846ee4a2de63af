#pragma once
// BrokerLinkMonitor: what an operator sees of the Redis links a client keeps to one endpoint
// (the broker, or a separate result backend). Every RedisConnection and RedisSubscriber built
// from RedisOptions whose `monitor` is set reports to it: failed dials, established links lost
// (EOF, socket error, a command deadline), the retry delay it chose, and good replies. Only a
// good reply proves the endpoint is back, never a bare TCP connect: a blackhole accepts into its
// backlog and a full server accepts, says "-ERR max number of clients reached" and closes. A
// good reply is a non-error reply to a command within its deadline (RedisConnection, every one)
// or subscriptions confirmed within the command deadline (RedisSubscriber; pub/sub pushes have
// no deadline, so on a slow broker they would prove nothing and make the state flap). It keeps
// counters for /metrics and logs state changes:
//   warn  "broker link down: <who> <redacted url>: <what>: <reason>; retrying in <s> s"
//         (first failure; "reconnecting on next use" when a lost command link has no backoff)
//   warn  "broker link still down: ... <n> failures in <s> s, last ...; retrying in <s> s"
//         (at most one per kStillDownEvery while down)
//   info  "broker link up again: <who> <redacted url> after <s> (<n> failures)"   (good reply)
// so a 10-minute outage is a handful of lines whatever the retry rate. The URL is redacted at
// construction (RedactRedisUrl): no password reaches a log line.
//
// It also ends the other links' backoff when one link answers: every link backs off on its own
// (up to backoff_max), so after a long outage most would otherwise keep failing calls at once
// for up to backoff_max after the broker is back. RedisConnection compares answered_links()
// with the value it saw when its dial began; RedisSubscriber, which waits on a timer, registers
// a listener that LinkAnswered() calls.
//
// Ownership: shared (std::shared_ptr) by the options and every link built from them.
// Thread-safety: all methods are thread-safe (links run on their own strands).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"

namespace queuemon::redis {

struct BrokerLinkStats {
  std::uint64_t connect_failures = 0;  // dials (connect + AUTH/SELECT) that failed
  std::uint64_t disconnects = 0;       // established links lost (EOF, error, deadline)
  std::uint64_t reconnects = 0;        // links answering after their link had failed or was lost
  double backoff_seconds = 0;          // retry delay chosen at the last failure; 0 while up
  bool down = false;                   // failed since the last good reply
};

class BrokerLinkMonitor final {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kStillDownEvery{60};

  // `who` names the link set in logs (the owner chooses it); `url` is redacted here.
  // `now` is injectable for tests.
  BrokerLinkMonitor(std::string who, std::string_view url,
                    std::function<Clock::time_point()> now = Clock::now);

  // A dial failed; the link waits `retry_in` before the next one (0: at the next call).
  void ConnectFailed(std::string_view reason, std::chrono::milliseconds retry_in);
  // An established link was lost; the link retries after `retry_in`.
  void Disconnected(std::string_view reason, std::chrono::milliseconds retry_in);
  // A link's first good reply since it was dialled (see above): the endpoint is back. Counts a
  // reconnect if `after_failure` (the link had failed or lost a connection before), marks the
  // endpoint up as Answered() does, advances answered_links() and calls the listeners.
  void LinkAnswered(bool after_failure);
  // Any good reply: marks the endpoint up if it was down. One atomic load when it is up, so
  // links call it on every reply.
  void Answered();

  // Links that answered so far (LinkAnswered calls). A link in backoff whose dial predates a
  // change of this value knows the endpoint answered since, and may dial at once. A dial that
  // merely connected changes nothing.
  std::uint64_t answered_links() const { return answered_links_.load(std::memory_order_acquire); }

  // LinkAnswered() calls every listener (on the answering link's thread, outside the monitor's
  // lock; a listener must be quick, e.g. post to its own strand, and must not throw). Returns an
  // id for RemoveAnswerListener.
  using AnswerListener = std::function<void()>;
  std::uint64_t AddAnswerListener(AnswerListener listener);
  void RemoveAnswerListener(std::uint64_t id);

  BrokerLinkStats Stats() const;
  const std::string& url() const { return url_; }

 private:
  void Failed(std::string_view what, std::string_view reason, std::chrono::milliseconds retry_in);

  const std::string who_;
  const std::string url_;
  const std::function<Clock::time_point()> now_;
  std::atomic<std::uint64_t> connect_failures_{0};
  std::atomic<std::uint64_t> disconnects_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> answered_links_{0};
  std::atomic<bool> down_{false};  // read lock-free by Answered() on every reply

  mutable base::Mutex mu_;
  double backoff_seconds_ GUARDED_BY(mu_) = 0;
  Clock::time_point down_since_ GUARDED_BY(mu_){};
  Clock::time_point last_warning_ GUARDED_BY(mu_){};
  std::uint64_t failures_while_down_ GUARDED_BY(mu_) = 0;

  mutable base::Mutex listeners_mu_;     // not mu_: listeners run outside it, Stats() never waits
  std::uint64_t next_listener_id_ GUARDED_BY(listeners_mu_) = 0;
  std::vector<std::pair<std::uint64_t, AnswerListener>> listeners_ GUARDED_BY(listeners_mu_);
};

}  // namespace queuemon::redis
