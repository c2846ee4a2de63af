#pragma once
// The one-line summary queuemond sends as systemd STATUS= (shown by `systemctl status`):
//   "ready: 3 workers online, 4 queues (120 messages), cache hit rate 97.5%, last collection 2s ago"
// Built from each source's workers and queues views as ReadSourceViews read them (internal
// reads: the same freshness as any client, counted nowhere), and its counters. Pure; no I/O.
// A source whose view is absent (no data younger than ttl + stale_for) contributes nothing and
// is named: "..., source celery: no current data".

#include <string>
#include <vector>

#include "api/source_views.h"

namespace queuemon::api {

std::string StatusLine(const std::vector<SourceViews>& views, bool ready);

}  // namespace queuemon::api
