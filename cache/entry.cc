#include "cache/entry.h"

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string_view>
#include <utility>

#include "base/gzip.h"

namespace queuemon::cache {
namespace {

constexpr std::string_view kContentType = "Content-Type: application/json\r\n";
constexpr std::string_view kVary = "Vary: Accept-Encoding\r\n";
constexpr std::string_view kContentEncoding = "Content-Encoding: gzip\r\n";

// FNV-1a, 64 bit. Deterministic across runs and machines, so an unchanged view keeps its ETag
// even over a daemon restart. It runs once per stored body, never per hit, so its byte-at-a-time
// speed (about 1 GB/s) is irrelevant next to the collection that produced the body.
std::uint64_t Fnv1a64(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// `etag` ("\"<hash>\"" or W/"<hash>") with `suffix` inside the quotes.
std::string SuffixedEtag(std::string_view etag, std::string_view suffix) {
  std::string tagged(etag.substr(0, etag.size() - 1));
  tagged += suffix;
  tagged += '"';
  return tagged;
}

std::string HeaderLines(std::string_view etag, bool vary) {
  std::string lines(kContentType);
  lines += "ETag: ";
  lines += etag;
  lines += "\r\n";
  if (vary) lines += kVary;
  return lines;
}

// The gzip representation, compressed here once per stored entry, so store time pays for it
// and no HIT does. Kept only when it is smaller: a body of a few bytes grows by gzip's frame.
void AddGzip(Entry& entry, const EntryEncoding& encoding) {
  if (encoding.gzip_min_bytes == 0 || entry.body.size() < encoding.gzip_min_bytes) return;
  std::string gzip;
  try {
    gzip = base::Gzip(entry.body, encoding.gzip_level);
  } catch (const std::exception&) {
    return;  // zlib found no memory for its state: the entry serves the body uncompressed
  }
  if (gzip.size() >= entry.body.size()) return;
  entry.gzip_body = std::move(gzip);
  entry.gzip_etag = SuffixedEtag(entry.etag, "-gzip");
  entry.gzip_header_lines = HeaderLines(entry.gzip_etag, /*vary=*/true);
  entry.gzip_header_lines += kContentEncoding;
}

// A quoted hash of the identity (weak) or of the body (strong).
std::string EtagOf(const EntryContent& content) {
  const bool weak = !content.identity.empty();
  const std::uint64_t hash = Fnv1a64(weak ? content.identity : content.body);
  char etag[24];
  std::snprintf(etag, sizeof(etag), "%s\"%016llx\"", weak ? "W/" : "",
                static_cast<unsigned long long>(hash));
  return etag;
}

}  // namespace

std::string_view Entry::GzipNotModifiedLines() const {
  std::string_view lines = gzip_header_lines;
  if (lines.ends_with(kContentEncoding)) lines.remove_suffix(kContentEncoding.size());
  return lines;
}

std::shared_ptr<const Entry> Entry::Make(std::string body, base::TimePoint collected_at) {
  EntryContent content;
  content.body = std::move(body);
  return Make(std::move(content), collected_at);
}

std::shared_ptr<const Entry> Entry::Make(EntryContent content, base::TimePoint collected_at,
                                         const EntryEncoding& encoding) {
  auto entry = std::make_shared<Entry>();
  entry->etag = content.etag.empty() ? EtagOf(content) : std::move(content.etag);
  entry->header_lines = HeaderLines(entry->etag, /*vary=*/encoding.gzip_min_bytes > 0);
  entry->body = std::move(content.body);
  AddGzip(*entry, encoding);
  entry->collected_at = collected_at;
  entry->data = std::move(content.data);
  entry->status = content.status;
  entry->restored = content.restored;
  return entry;
}

}  // namespace queuemon::cache
