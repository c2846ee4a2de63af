#include "api/replica_report.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "api/replica.h"
#include "api/view_service.h"
#include "base/clock.h"
#include "sources/metric_family.h"

namespace queuemon::api {
namespace {

using nlohmann::json;

json AgeSince(double unix_seconds) {
  return unix_seconds > 0 ? json(std::max(0.0, base::UnixNow() - unix_seconds)) : json(nullptr);
}

struct Metric {
  const char* name;
  const char* type;
  const char* help;
  double (*value)(const ReplicaStats&);
};

constexpr Metric kMetrics[] = {
    {"queuemon_replication_holder", "gauge", "1 if this replica holds the source's collector lease.",
     [](const ReplicaStats& s) { return s.holder ? 1.0 : 0.0; }},
    {"queuemon_replication_lease_age_seconds", "gauge", "Since the current holder took the collector lease .",
     [](const ReplicaStats& s) { return s.lease_acquired_unix > 0 ? base::UnixNow() - s.lease_acquired_unix : std::nan(""); }},
    {"queuemon_replication_lease_token", "gauge", "Fencing token of the current lease.",
     [](const ReplicaStats& s) { return static_cast<double>(s.lease_token); }},
    {"queuemon_replication_lease_acquisitions_total", "counter", "Times this replica took the collector lease.",
     [](const ReplicaStats& s) { return static_cast<double>(s.lease_acquisitions); }},
    {"queuemon_replication_announcements_received_total", "counter", "Announcements of stored views received from the holder.",
     [](const ReplicaStats& s) { return static_cast<double>(s.announcements_received); }},
    {"queuemon_replication_announcements_applied_total", "counter", "Announcements stored into this replica's caches (newer than what it had).",
     [](const ReplicaStats& s) { return static_cast<double>(s.announcements_applied); }},
    {"queuemon_replication_writes_total", "counter", "Views this replica wrote to the shared snapshot as holder.",
     [](const ReplicaStats& s) { return static_cast<double>(s.writes); }},
    {"queuemon_replication_writes_refused_total", "counter", "Writes refused by the fencing token (the lease had moved on).",
     [](const ReplicaStats& s) { return static_cast<double>(s.writes_refused); }},
    {"queuemon_replication_requests_sent_total", "counter", "Views this replica asked the holder for.",
     [](const ReplicaStats& s) { return static_cast<double>(s.requests_sent); }},
    {"queuemon_replication_requests_served_total", "counter", "Requests of other replicas this replica answered as holder.",
     [](const ReplicaStats& s) { return static_cast<double>(s.requests_served); }},
    {"queuemon_replication_snapshot_age_seconds", "gauge", "Age of the newest view collection written or received.",
     [](const ReplicaStats& s) { return s.snapshot_collected_unix > 0 ? base::UnixNow() - s.snapshot_collected_unix : std::nan(""); }},
};

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

std::string ReplicationMetrics(const std::vector<ViewService*>& services) {
  std::vector<std::pair<const ViewService*, ReplicaStats>> all;
  for (const ViewService* service : services) {
    if (const Replica* replica = service->replica()) all.emplace_back(service, replica->Stats());
  }
  std::string out;
  if (all.empty()) return out;
  for (const Metric& m : kMetrics) {
    out += std::string("# HELP ") + m.name + " " + m.help + "\n# TYPE " + m.name + " " + m.type + "\n";
    for (const auto& [service, stats] : all) {
      const double value = m.value(stats);
      if (std::isnan(value)) continue;  // not known yet: no sample rather than NaN
      sources::AppendSample(out, m.name, sources::Label("source", service->source()), value);
    }
  }
  constexpr const char* kInfo = "queuemon_replication_lease_info";
  out += std::string("# HELP ") + kInfo + " The replica holding the collector lease, as this replica last saw it.\n# TYPE " + kInfo + " gauge\n";
  for (const auto& [service, stats] : all) {
    if (stats.lease_holder.empty()) continue;
    sources::AppendSample(out, kInfo,
                          sources::Label("source", service->source()) + "," +
                              sources::Label("holder", stats.lease_holder) + "," +
                              sources::Label("replica", service->replica()->replica_id()),
                          1.0);
  }
  return out;
}

}  // namespace queuemon::api
