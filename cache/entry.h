#pragma once
// Entry: one cached, pre-serialized view. Immutable once stored and shared by pointer, so a
// reader copies out a shared_ptr under the shared lock and writes the bytes with no lock held.
// A large body is also kept gzip-compressed, made once by Make: a HIT for a client that accepts
// gzip writes those bytes as they are, so no compression ever runs per request.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

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
  // The ETag as another process computed it from the same bytes (a replica's snapshot, the
  // state file), used verbatim; empty: computed here from identity or body.
  std::string etag;
  // Read back from a snapshot rather than collected by this process (Entry::restored).
  bool restored = false;
};

// Which encodings of the body Entry::Make stores besides the body itself.
struct EntryEncoding {
  // A body of at least this many bytes is also stored gzip-compressed (when that is smaller);
  // 0 = never. Nonzero also adds "Vary: Accept-Encoding" to every entry's header lines, small
  // ones included: whether a response may be compressed depends on the request's
  // Accept-Encoding, so a shared cache must key on it (RFC 9110 12.5.5).
  std::size_t gzip_min_bytes = 0;
  // zlib: 1 fastest .. 9 smallest. 6: a 346 KiB view compresses to 20 KiB in 2.1 ms, against
  // 26 KiB in 0.8 ms at 1 and 18 KiB in 5 ms at 9 (BENCHMARKS.md, issue 16); the time is spent
  // once per collection, the bytes saved on every HIT.
  int gzip_level = 6;
};

struct Entry {
  // Builds an entry for `body`, computing its strong ETag (a quoted hash of the body) and its
  // fixed header lines once. No gzip form.
  static std::shared_ptr<const Entry> Make(std::string body, base::TimePoint collected_at);
  // As above; the ETag hashes `content.identity` when it is set, and is then weak (W/"..."),
  // unless `content.etag` gives it.
  // The gzip form, its ETag and its header lines are made here too, as `encoding` says.
  static std::shared_ptr<const Entry> Make(EntryContent content, base::TimePoint collected_at,
                                           const EntryEncoding& encoding = {});

  std::string body;          // the HTTP response body (JSON)
  std::string etag;          // quoted hash, e.g. "\"9f2c4e1ab03d77c1\"" or W/"9f2c4e1ab03d77c1"
  // The response header lines that are the same for every request served from this entry,
  // serialised once so that a HIT does not build them: exactly
  // "Content-Type: application/json\r\nETag: <etag>\r\n", then "Vary: Accept-Encoding\r\n"
  // when the entry was made with gzip_min_bytes > 0.
  std::string header_lines;

  // The gzip-coded representation of `body`; all three empty when there is none (a body under
  // gzip_min_bytes, or one that gzip would not shrink).
  std::string gzip_body;
  // `etag` with "-gzip" inside the quotes ("\"9f2c4e1ab03d77c1-gzip\"", W/"...-gzip": weak
  // stays weak). A content coding is a different representation, so it needs its own
  // validator (RFC 9110 8.8.3): an If-None-Match naming one coding never matches the other.
  std::string gzip_etag;
  // "Content-Type: application/json\r\nETag: <gzip_etag>\r\nVary: Accept-Encoding\r\n"
  // "Content-Encoding: gzip\r\n".
  std::string gzip_header_lines;
  bool has_gzip() const { return !gzip_body.empty(); }
  // gzip_header_lines without Content-Encoding: the fields of a 304 for the gzip
  // representation, which carries no body to decode.
  std::string_view GzipNotModifiedLines() const;

  base::TimePoint collected_at{};  // when the source collected `body`
  std::shared_ptr<const void> data;  // EntryContent::data
  std::uint16_t status = 200;        // EntryContent::status
  // Loaded from the state file at start-up: the last known data, not a collection of this
  // process. Never fresh: a read answers it as STALE at once and starts the load that
  // replaces it (cache/read_through.h), and readiness does not count it.
  bool restored = false;
};

}  // namespace queuemon::cache
