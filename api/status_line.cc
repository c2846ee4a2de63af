#include "api/status_line.h"

#include <chrono>
#include <cstdint>
#include <cstdio>

#include "base/clock.h"

namespace queuemon::api {

std::string StatusLine(const std::vector<SourceViews>& views, bool ready) {
  std::int64_t workers = 0, queues = 0, messages = 0;
  std::uint64_t hits = 0, requests = 0;
  double oldest_success = 0;  // the source whose last success is oldest decides the age shown
  bool never = false;
  std::string missing;
  for (const SourceViews& view : views) {
    const sources::WorkersView* w = view.Workers();
    const sources::QueuesView* q = view.Queues();
    if (w) workers += w->online;
    if (q) queues += std::ssize(q->queues), messages += q->total_messages;
    if (!w || !q) missing += ", source " + std::string(view.source->source()) + ": no current data";
    for (const auto& [name, stats] : view.source->CacheStats()) {
      hits += stats.hits;
      requests += stats.total_requests;
    }
    const double success = view.source->data_source().Stats().last_success_unix;
    if (success <= 0) never = true;
    if (oldest_success == 0 || success < oldest_success) oldest_success = success;
  }
  char line[256];
  const double hit_rate = requests == 0 ? 0.0 : 100.0 * static_cast<double>(hits) / requests;
  const std::string age =
      never ? std::string("no collection yet")
            : "last collection " + std::to_string(static_cast<long long>(base::UnixNow() - oldest_success)) +
                  "s ago";
  std::snprintf(line, sizeof line,
                "%s: %lld workers online, %lld queues (%lld messages), cache hit rate %.1f%%, %s",
                ready ? "ready" : "not ready", static_cast<long long>(workers),
                static_cast<long long>(queues), static_cast<long long>(messages), hit_rate,
                age.c_str());
  return line + missing;
}

}  // namespace queuemon::api
