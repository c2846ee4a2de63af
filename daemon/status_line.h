#pragma once
// The one-line summary queuemond sends as systemd STATUS= (shown by `systemctl status`):
//   "ready: 3 workers online, 4 queues (120 messages), cache hit rate 97.5%, last collection 2s ago"
// Built from the sources' cached snapshots and counters; no broker traffic. Thread-safe.

#include <string>
#include <vector>

namespace queuemon::daemon {

class ViewService;

std::string StatusLine(const std::vector<ViewService*>& sources, bool ready);

}  // namespace queuemon::daemon
