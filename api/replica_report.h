#pragma once
// What /readyz says of replication (api/replica.h): per source, this replica's role, who holds
// the collector lease and since when, the announcements received and applied, and the age of
// the newest shared snapshot. Sources without a replica are left out. (/metrics renders the
// same ReplicaStats in prometheus.cc.)
//
// Thread-safety: any thread (reads Replica::Stats).

#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace queuemon::api {

class ViewService;

// {"<source>": {"role": "holder"|"follower", "replica": id, "lease_holder": id|null,
//  "lease_age_seconds": s|null, "lease_token": n, "announcements_received": n,
//  "announcements_applied": n, "snapshot_age_seconds": s|null, ...}}; null when no source has
// a replica.
nlohmann::json ReplicationReport(const std::vector<ViewService*>& services);

}  // namespace queuemon::api
