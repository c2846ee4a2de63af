#include "api/replica_report.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "api/replica.h"
#include "api/view_service.h"
#include "base/clock.h"

namespace queuemon::api {
namespace {

using nlohmann::json;

json AgeSince(double unix_seconds) {
  return unix_seconds > 0 ? json(std::max(0.0, base::UnixNow() - unix_seconds)) : json(nullptr);
}

}  // namespace

json ReplicationReport(const std::vector<ViewService*>& services) {
  json report = json::object();
  for (const ViewService* service : services) {
    const Replica* replica = service->replica();
    if (replica == nullptr) continue;
    const ReplicaStats s = replica->Stats();
    report[std::string(service->source())] = {
        {"role", s.holder ? "holder" : "follower"},
        {"replica", replica->replica_id()},
        {"lease_holder", s.lease_holder.empty() ? json(nullptr) : json(s.lease_holder)},
        {"lease_age_seconds", AgeSince(s.lease_acquired_unix)},
        {"lease_token", s.lease_token},
        {"announcements_received", s.announcements_received},
        {"announcements_applied", s.announcements_applied},
        {"writes_refused", s.writes_refused},
        {"snapshot_age_seconds", AgeSince(s.snapshot_collected_unix)},
    };
  }
  return report.empty() ? json(nullptr) : report;
}

}  // namespace queuemon::api
