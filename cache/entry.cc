#include "cache/entry.h"

#include <cstdint>
#include <cstdio>
#include <string_view>
#include <utility>

namespace queuemon::cache {
namespace {

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

}  // namespace

std::shared_ptr<const Entry> Entry::Make(std::string body, base::TimePoint collected_at) {
  EntryContent content;
  content.body = std::move(body);
  return Make(std::move(content), collected_at);
}

std::shared_ptr<const Entry> Entry::Make(EntryContent content, base::TimePoint collected_at) {
  auto entry = std::make_shared<Entry>();
  const bool weak = !content.identity.empty();
  const std::uint64_t hash = Fnv1a64(weak ? content.identity : content.body);
  char etag[24];
  std::snprintf(etag, sizeof(etag), "%s\"%016llx\"", weak ? "W/" : "",
                static_cast<unsigned long long>(hash));
  entry->etag = etag;
  entry->header_lines = "Content-Type: application/json\r\nETag: " + entry->etag + "\r\n";
  entry->body = std::move(content.body);
  entry->collected_at = collected_at;
  entry->data = std::move(content.data);
  entry->status = content.status;
  return entry;
}

}  // namespace queuemon::cache
