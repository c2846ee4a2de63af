#pragma once
// Entry: one cached, pre-serialized view. Immutable once stored and shared by pointer, so a
// reader copies out a shared_ptr under the shared lock and writes the bytes with no lock held.

#include <atomic>
#include <memory>
#include <string>

#include "cache/clock.h"

namespace queuemon::cache {

struct Entry {
  // Builds an entry for `body`, computing its strong ETag (a quoted hash of the body) and its
  // fixed header lines once.
  static std::shared_ptr<const Entry> Make(std::string body, TimePoint collected_at);

  std::string body;          // the HTTP response body (JSON)
  std::string etag;          // strong ETag, quoted, e.g. "\"9f2c4e1ab03d77c1\""
  // The response header lines that are the same for every request served from this entry,
  // serialised once so that a HIT does not build them: exactly
  // "Content-Type: application/json\r\nETag: <etag>\r\n".
  std::string header_lines;
  TimePoint collected_at{};  // when the collector produced `body`
};

}  // namespace queuemon::cache
