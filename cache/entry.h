#pragma once
// Entry: one cached, pre-serialized view. Immutable once stored and shared by pointer, so a
// reader copies out a shared_ptr under the shared lock and writes the bytes with no lock held.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "base/clock.h"

namespace queuemon::cache {

// What a loader hands to Entry::Make besides the collection time.
struct EntryContent {
  std::string body;  // the HTTP response body (JSON)
  // The bytes that identify the content for the ETag. Empty: the body itself (a strong ETag).
  // A view whose body carries its collection time passes the body without it, so that two
  // collections of equal data share one (weak) ETag and If-None-Match keeps matching.
  std::string identity;
  // The typed form the body was serialized from, for renderers that need fields (Prometheus,
  // STATUS= lines). Opaque to the cache; may be null.
  std::shared_ptr<const void> data;
  // The status of a response served from this entry (e.g. 503 for a health view that reports
  // its broker unreachable, so load balancers see the failure).
  std::uint16_t status = 200;
};

struct Entry {
  // Builds an entry for `body`, computing its strong ETag (a quoted hash of the body) and its
  // fixed header lines once.
  static std::shared_ptr<const Entry> Make(std::string body, base::TimePoint collected_at);
  // As above; the ETag hashes `content.identity` when it is set, and is then weak (W/"...").
  static std::shared_ptr<const Entry> Make(EntryContent content, base::TimePoint collected_at);

  std::string body;          // the HTTP response body (JSON)
  std::string etag;          // quoted hash, e.g. "\"9f2c4e1ab03d77c1\"" or W/"9f2c4e1ab03d77c1"
  // The response header lines that are the same for every request served from this entry,
  // serialised once so that a HIT does not build them: exactly
  // "Content-Type: application/json\r\nETag: <etag>\r\n".
  std::string header_lines;
  base::TimePoint collected_at{};  // when the source collected `body`
  std::shared_ptr<const void> data;  // EntryContent::data
  std::uint16_t status = 200;        // EntryContent::status
};

}  // namespace queuemon::cache
