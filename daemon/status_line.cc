#include "daemon/status_line.h"

#include <chrono>
#include <cstdint>
#include <cstdio>

#include "daemon/view_service.h"

namespace queuemon::daemon {
namespace {

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string StatusLine(const std::vector<ViewService*>& sources, bool ready) {
  std::int64_t workers = 0, queues = 0, messages = 0;
  std::uint64_t hits = 0, requests = 0;
  double oldest_success = 0;  // the source whose last success is oldest decides the age shown
  bool never = false;
  for (const ViewService* source : sources) {
    const ViewSnapshots snapshots = source->Snapshots();
    if (snapshots.summary) {
      workers += snapshots.summary->workers_online;
      queues += snapshots.summary->queues;
      messages += snapshots.summary->queued_messages;
    }
    for (const auto& [name, stats] : source->CacheStats()) {
      hits += stats.hits;
      requests += stats.total_requests;
    }
    const double success = source->collector().Stats().last_success_unix;
    if (success <= 0) never = true;
    if (oldest_success == 0 || success < oldest_success) oldest_success = success;
  }
  char line[256];
  const double hit_rate = requests == 0 ? 0.0 : 100.0 * static_cast<double>(hits) / requests;
  const std::string age =
      never ? std::string("no collection yet")
            : "last collection " + std::to_string(static_cast<long long>(UnixNow() - oldest_success)) +
                  "s ago";
  std::snprintf(line, sizeof line,
                "%s: %lld workers online, %lld queues (%lld messages), cache hit rate %.1f%%, %s",
                ready ? "ready" : "not ready", static_cast<long long>(workers),
                static_cast<long long>(queues), static_cast<long long>(messages), hit_rate,
                age.c_str());
  return line;
}

}  // namespace queuemon::daemon
