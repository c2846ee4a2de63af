#include "api/entry_records.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "sources/view_reader.h"
#include "sources/views.h"

namespace queuemon::api {

double UnixTimeOf(base::TimePoint t, const base::Clock& clock) {
  const std::chrono::duration<double> age = clock.Now() - t;
  return base::UnixNow() - age.count();
}

base::TimePoint TimePointOf(double unix_seconds, const base::Clock& clock) {
  const std::chrono::duration<double> age(std::max(0.0, base::UnixNow() - unix_seconds));
  return clock.Now() - std::chrono::duration_cast<base::Duration>(age);
}

snapshot::Record RecordOf(std::string_view source, std::string_view category,
                          std::string_view key, const cache::Entry& entry,
                          const base::Clock& clock) {
  snapshot::Record record;
  record.source = std::string(source);
  record.category = std::string(category);
  record.key = std::string(key);
  record.etag = entry.etag;
  record.status = entry.status;
  record.collected_unix = UnixTimeOf(entry.collected_at, clock);
  record.body = entry.body;
  return record;
}

std::shared_ptr<const cache::Entry> EntryOf(const snapshot::Record& record,
                                            const base::Clock& clock,
                                            const cache::EntryEncoding& encoding, bool restored) {
  const std::optional<sources::KeyedView> keyed = sources::ParseViewKey(record.key);
  if (!keyed) return nullptr;
  cache::EntryContent content;
  content.body = record.body;
  content.etag = record.etag;
  content.status = record.status;
  content.restored = restored;
  content.data = std::make_shared<const sources::ViewData>(
      sources::ReadViewBody(keyed->view, record.body));
  return cache::Entry::Make(std::move(content), TimePointOf(record.collected_unix, clock),
                            encoding);
}

}  // namespace queuemon::api
