#pragma once
// WorkerTable: the live worker table built from Celery worker events (worker-online,
// worker-heartbeat, worker-offline; celery-redis-protocol.md §6).
//
// Liveness uses the LOCAL receive time from the injected clock, not the event's wall
// timestamp (worker clocks may drift): a worker is "online" while its last event is younger
// than 2 x its heartbeat frequency (Celery's own rule), "offline" after that or right after a
// worker-offline event. Offline workers are dropped `purge_offline_after` after their last
// event. Task events (task.multi lists) refresh the liveness of a worker already known; their
// content is not used here (the TaskTable's). Events come parsed, from the EventStream.
//
// Thread-safety: all methods are thread-safe (one mutex; no I/O or callbacks under it).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "base/clock.h"
#include "sources/typed_views.h"

namespace queuemon::sources::celery {

class WorkerTable final {
 public:
  // REQUIRES: `clock` outlives the table.
  // `worker_timeout` (0: none) also turns a worker offline once its last event is that old,
  // whatever its heartbeat frequency (celery-exporter's --worker-timeout).
  WorkerTable(const base::Clock& clock, std::chrono::milliseconds purge_offline_after,
              std::chrono::milliseconds worker_timeout = std::chrono::milliseconds(0));

  // What an event did to its worker's liveness as reported so far (TakeExpired).
  enum class Liveness {
    kUnchanged,
    kCameOnline,  // a worker reported offline (by its event or TakeExpired) is back
    kWentOffline, // a worker-offline event for a worker not yet reported offline
  };
  // One parsed event object (worker-* updates the table, task-* refreshes a known worker's
  // liveness); nullopt when it has no string hostname and type. Decoding messages and counting
  // what is malformed is the EventStream's.
  std::optional<Liveness> ApplyEvent(const nlohmann::json& event);

  // The workers that fell silent (offline by their heartbeat frequency or worker_timeout, with
  // no worker-offline event) since the last call; each is reported once until it comes back.
  std::vector<std::string> TakeExpired();

  // Every known worker with its status as of now, sorted by hostname; purges expired ones.
  std::vector<WorkerInfo> Workers();
  std::size_t OnlineCount() const;
  // Hostnames online now; hostnames known but not online now (offline, silent or expired);
  // hostnames whose worker-offline event is younger than `within`.
  std::set<std::string> OnlineHostnames() const;
  std::set<std::string> OfflineHostnames() const;
  std::set<std::string> DepartedWithin(std::chrono::milliseconds within) const;

 private:
  struct Entry {
    WorkerInfo info;
    base::TimePoint last_seen;
    bool offline_event = false;
    bool reported_offline = false;  // by a worker-offline event or TakeExpired
  };

  bool Online(const Entry& entry, base::TimePoint now) const;

  const base::Clock& clock_;
  const std::chrono::milliseconds purge_after_;
  const std::chrono::milliseconds worker_timeout_;
  mutable base::Mutex mu_;
  std::map<std::string, Entry> workers_ GUARDED_BY(mu_);
};

}  // namespace queuemon::sources::celery
