// Worker events -> live worker table.
#include "sources/celery/worker_table.h"

#include <utility>

#include <nlohmann/json.hpp>


namespace queuemon::sources::celery {
namespace {

using nlohmann::json;

constexpr double kDefaultFreqSeconds = 2.0;  // Celery's heartbeat default

// An integer field that may arrive as a float; out-of-range values are ignored (the cast
// would be undefined).
std::optional<std::int64_t> AsInt(const json& v) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  const double d = v.get<double>();
  if (!(d > -9.0e18 && d < 9.0e18)) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

// Copies the worker-event fields present in `event` onto `info` (absent fields keep old values).
void UpdateInfo(const json& event, WorkerInfo& info) {
  auto num = [&](const char* key) -> const json* {
    const auto it = event.find(key);
    return it != event.end() && it->is_number() ? &*it : nullptr;
  };
  auto str = [&](const char* key, std::string& out) {
    const auto it = event.find(key);
    if (it != event.end() && it->is_string()) out = it->get<std::string>();
  };
  if (const json* v = num("pid")) info.pid = AsInt(*v);
  if (const json* v = num("freq"); v != nullptr && v->get<double>() > 0) {
    info.heartbeat_freq = v->get<double>();
  }
  if (const json* v = num("active")) info.active = AsInt(*v);
  if (const json* v = num("processed")) info.processed = AsInt(*v);
  if (const json* v = num("timestamp")) info.last_heartbeat = v->get<double>();
  const auto load = event.find("loadavg");
  if (load != event.end() && load->is_array()) {
    info.loadavg.clear();
    for (const auto& x : *load) {
      if (x.is_number()) info.loadavg.push_back(x.get<double>());
    }
  }
  str("sw_ident", info.sw_ident);
  str("sw_ver", info.sw_ver);
  str("sw_sys", info.sw_sys);
}

}  // namespace

WorkerTable::WorkerTable(const base::Clock& clock, std::chrono::milliseconds purge_offline_after,
                         std::chrono::milliseconds worker_timeout)
    : clock_(clock), purge_after_(purge_offline_after), worker_timeout_(worker_timeout) {}

std::optional<WorkerTable::Liveness> WorkerTable::ApplyEvent(const json& event) {
  if (!event.is_object() || !event.contains("hostname") || !event.at("hostname").is_string() ||
      !event.contains("type") || !event.at("type").is_string()) {
    return std::nullopt;
  }
  const auto now = clock_.Now();
  base::MutexLock lock(mu_);
  const auto& hostname = event.at("hostname").get_ref<const std::string&>();
  const auto& type = event.at("type").get_ref<const std::string&>();
  if (type.rfind("worker-", 0) != 0) {
    // A task event: proof of life for a worker we already know (and is not shut down).
    auto it = workers_.find(hostname);
    if (it == workers_.end() || it->second.offline_event) return Liveness::kUnchanged;
    it->second.last_seen = now;
    return std::exchange(it->second.reported_offline, false) ? Liveness::kCameOnline
                                                             : Liveness::kUnchanged;
  }
  const auto [it, added] = workers_.try_emplace(hostname);
  Entry& entry = it->second;
  const bool was_reported_offline = entry.reported_offline;
  entry.info.hostname = hostname;
  UpdateInfo(event, entry.info);
  entry.last_seen = now;
  entry.offline_event = type == "worker-offline";
  entry.reported_offline = entry.offline_event;
  if (entry.offline_event) {
    return added || was_reported_offline ? Liveness::kUnchanged : Liveness::kWentOffline;
  }
  // A worker first seen is not news (the inspect round lists workers too): only a comeback.
  return !added && was_reported_offline ? Liveness::kCameOnline : Liveness::kUnchanged;
}

std::vector<std::string> WorkerTable::TakeExpired() {
  const auto now = clock_.Now();
  std::vector<std::string> expired;
  base::MutexLock lock(mu_);
  for (auto& [hostname, entry] : workers_) {
    if (entry.reported_offline || Online(entry, now)) continue;
    entry.reported_offline = true;
    expired.push_back(hostname);
  }
  return expired;
}

bool WorkerTable::Online(const Entry& entry, base::TimePoint now) const {
  if (entry.offline_event) return false;
  const double freq = entry.info.heartbeat_freq.value_or(kDefaultFreqSeconds);
  const auto silent = now - entry.last_seen;
  if (worker_timeout_.count() > 0 && silent > worker_timeout_) return false;
  return silent <= std::chrono::duration<double>(2 * freq);
}

std::vector<WorkerInfo> WorkerTable::Workers() {
  const auto now = clock_.Now();
  std::vector<WorkerInfo> out;
  base::MutexLock lock(mu_);
  for (auto it = workers_.begin(); it != workers_.end();) {
    const bool online = Online(it->second, now);
    if (!online && now - it->second.last_seen > purge_after_) {
      it = workers_.erase(it);
      continue;
    }
    out.push_back(it->second.info);
    out.back().status = online ? "online" : "offline";
    ++it;
  }
  return out;
}

std::size_t WorkerTable::OnlineCount() const {
  const auto now = clock_.Now();
  base::MutexLock lock(mu_);
  std::size_t n = 0;
  for (const auto& [name, entry] : workers_) n += Online(entry, now) ? 1 : 0;
  return n;
}

std::set<std::string> WorkerTable::OnlineHostnames() const {
  const auto now = clock_.Now();
  std::set<std::string> out;
  base::MutexLock lock(mu_);
  for (const auto& [name, entry] : workers_) {
    if (Online(entry, now)) out.insert(name);
  }
  return out;
}

std::set<std::string> WorkerTable::OfflineHostnames() const {
  const auto now = clock_.Now();
  std::set<std::string> out;
  base::MutexLock lock(mu_);
  for (const auto& [name, entry] : workers_) {
    if (!Online(entry, now)) out.insert(name);
  }
  return out;
}

std::set<std::string> WorkerTable::DepartedWithin(std::chrono::milliseconds within) const {
  const auto now = clock_.Now();
  std::set<std::string> out;
  base::MutexLock lock(mu_);
  for (const auto& [name, entry] : workers_) {
    if (entry.offline_event && now - entry.last_seen < within) out.insert(name);
  }
  return out;
}

}  // namespace queuemon::sources::celery
