#include "daemon/readiness.h"

#include <utility>

#include "api/view_service.h"

namespace queuemon::daemon {

using sources::View;

Readiness::Readiness(std::vector<api::ViewService*> services, const base::Clock& clock)
    : services_(std::move(services)), clock_(clock), known_(services_.size()) {}

void Readiness::SetHealthTtl(std::chrono::milliseconds ttl) { health_ttl_ms_.store(ttl.count()); }

bool Readiness::Compute(std::string& reason) {
  for (std::size_t i = 0; i < services_.size(); ++i) {
    api::ViewService* view = services_[i];
    Known& known = known_[i];
    const auto health = view->Latest(View::kHealth);
    if (const auto* health_view = api::TypedView<sources::HealthView>(health.get())) {
      known.broker_reachable = health_view->broker_reachable;
    }
    if (view->Latest(View::kWorkers) && view->Latest(View::kQueues)) known.collected = true;
    const std::string source = "source " + std::string(view->source()) + ": ";
    if (!known.broker_reachable) {
      reason = source + "broker unreachable";
      return false;
    }
    if (!known.collected) {
      reason = source + "workers and queues views not collected yet";
      return false;
    }
  }
  reason.clear();
  return true;
}

void Readiness::Refresh() {
  const auto max_age = std::chrono::milliseconds(health_ttl_ms_.load());
  for (api::ViewService* view : services_) {
    const auto health = view->Latest(View::kHealth);
    if (!health || clock_.Now() - health->collected_at >= max_age) view->Prefetch(View::kHealth);
  }
}

}  // namespace queuemon::daemon
