#pragma once
// What /readyz and /metrics say of replication (api/replica.h): per source, this replica's role,
// who holds the collector lease and since when, the announcements received and applied, and
// the age of the newest shared snapshot. Sources without a replica are left out.
//
// Thread-safety: any thread (reads Replica::Stats).

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace queuemon::api {

class ViewService;

// {"<source>": {"role": "holder"|"follower", "replica": id, "lease_holder": id|null,
//  "lease_age_seconds": s|null, "lease_token": n, "announcements_received": n,
//  "announcements_applied": n, "snapshot_age_seconds": s|null, ...}}; null when no source has
// a replica.
nlohmann::json ReplicationReport(const std::vector<ViewService*>& services);

// The queuemon_replication_* families, exposition text (empty when no source has a replica).
std::string ReplicationMetrics(const std::vector<ViewService*>& services);

}  // namespace queuemon::api
