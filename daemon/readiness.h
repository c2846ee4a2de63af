#pragma once
// Readiness: what /readyz answers, learnt from the sources' caches. Ready when every source's
// broker answered its latest health collection (kept fresh by Refresh) and its workers and
// queues views have been collected (warm: the workers that answered the warm-up inspect round
// are listed online). Both are remembered per source: a view dropped from the cache (POST
// /cache/invalidate, or expired with nobody polling) is not news about the broker, so it does
// not make the daemon unready; the next health collection is. SourceStats.up alone is not
// enough: a health collection succeeds, and reports "unreachable", when the broker is down.
// Entries restored from the state file do not count (ViewService::Latest skips them).
//
// Thread-safety: Compute and Refresh from one thread at a time (start-up, then the
// maintenance strand); SetHealthTtl from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"

namespace queuemon::api {
class ViewService;
}

namespace queuemon::daemon {

class Readiness final {
 public:
  Readiness(std::vector<api::ViewService*> services, const base::Clock& clock);

  // True if ready; else `reason` names the first source that is not, and why.
  bool Compute(std::string& reason);
  // Keeps each source's health view no older than the health_check ttl, so that readiness
  // follows the broker even when nobody polls /health. Single-flight: one load per source.
  void Refresh();
  void SetHealthTtl(std::chrono::milliseconds ttl);

 private:
  struct Known {
    bool broker_reachable = false;
    bool collected = false;
  };
  const std::vector<api::ViewService*> services_;
  const base::Clock& clock_;
  std::vector<Known> known_;  // what each source last showed (services_ order)
  std::atomic<std::int64_t> health_ttl_ms_{0};
};

}  // namespace queuemon::daemon
