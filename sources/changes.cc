#include "sources/changes.h"

namespace queuemon::sources {

std::optional<std::size_t> ChangeIndex(std::string_view name) {
  for (std::size_t i = 0; i < kChangeCount; ++i) {
    if (kChangeNames[i] == name) return i;
  }
  return std::nullopt;
}

std::string ChangeNameList() {
  std::string list;
  for (std::string_view name : kChangeNames) {
    list += (list.empty() ? "" : ", ") + std::string(name);
  }
  return list;
}

ChangeRules DefaultChangeRules() {
  ChangeRules rules;
  const std::vector<std::string> worker_views = {"worker_status", "metrics_summary"};
  for (const char* change : {"worker-online", "worker-offline", "worker-expired"}) {
    rules.refresh[change] = worker_views;
  }
  rules.drop_task = {"task-succeeded", "task-failed", "task-revoked"};
  return rules;
}

}  // namespace queuemon::sources
