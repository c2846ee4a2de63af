// ViewKey and ValidTaskId: the small free functions of collector.h.
#include "collectors/collector.h"

namespace queuemon::collectors {

std::string ViewKey(View view, std::string_view task_id) {
  switch (view) {
    case View::kWorkers:
      return "workers";
    case View::kQueues:
      return "queues";
    case View::kTasks:
      return "tasks";
    case View::kTask:
      return "task:" + std::string(task_id);
    case View::kSummary:
      return "summary";
    case View::kHealth:
      return "health";
  }
  return "unknown";
}

bool ValidTaskId(std::string_view id) {
  if (id.empty() || id.size() > 155) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == ':' || c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace queuemon::collectors
