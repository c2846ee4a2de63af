#include "config/source_kinds.h"

#include "config/celery_reader.h"
#include "config/keyspace_readers.h"

namespace queuemon::config {
namespace {

constexpr SourceKind kSourceKinds[] = {
    {"celery", ReadCeleryOptions, FirstCeleryChange},
    {"rq", ReadRqOptions, FirstRqChange},
    {"sidekiq", ReadSidekiqOptions, FirstSidekiqChange},
};

}  // namespace

std::span<const SourceKind> SourceKinds() { return kSourceKinds; }

const SourceKind* FindSourceKind(std::string_view name) {
  for (const SourceKind& kind : kSourceKinds) {
    if (kind.name == name) return &kind;
  }
  return nullptr;
}

std::string SourceKindList() {
  std::string list;
  for (const SourceKind& kind : kSourceKinds) {
    list += (list.empty() ? "" : ", ") + std::string(kind.name);
  }
  return list;
}

}  // namespace queuemon::config
