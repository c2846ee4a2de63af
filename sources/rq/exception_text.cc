#include "sources/rq/exception_text.h"

#include <zlib.h>

#include "base/base64.h"

#include "sources/keyspace/replies.h"

namespace queuemon::sources::rq {
namespace {

// zlib (RFC 1950) inflate; keeps the last `max_bytes` of the text.
std::optional<std::string> Inflate(const std::string& compressed, std::size_t max_bytes) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char chunk[16 * 1024];
  int rc = Z_OK;
  while (rc == Z_OK && z.total_out < kMaxInflatedBytes) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(chunk, sizeof chunk - z.avail_out);
    if (out.size() > 2 * max_bytes) out.erase(0, out.size() - max_bytes);
  }
  const bool cut = rc == Z_OK;  // stopped at kMaxInflatedBytes: keep what came out
  inflateEnd(&z);
  if (rc != Z_STREAM_END && !cut) return std::nullopt;
  if (out.size() > max_bytes) out.erase(0, out.size() - max_bytes);
  return out;
}

}  // namespace

std::optional<std::string> ExceptionFromResults(const redis::RedisReply& xrevrange) {
  // [[entry-id, [field, value, ...]]]
  if (xrevrange.type != redis::RedisReply::Type::kArray || xrevrange.elements.empty()) return std::nullopt;
  const redis::RedisReply& entry = xrevrange.elements.front();
  if (entry.type != redis::RedisReply::Type::kArray || entry.elements.size() != 2) return std::nullopt;
  const auto fields = keyspace::Hash(entry.elements[1]);
  const auto it = fields.find("exc_string");
  if (it == fields.end()) return std::nullopt;
  const auto compressed = base::Base64Decode(it->second);
  if (!compressed) return std::nullopt;
  return Inflate(*compressed, kMaxExceptionBytes);
}

std::optional<std::string> ExceptionOfJob(const redis::RedisReply& hmget,
                                          const redis::RedisReply& xrevrange) {
  if (auto text = ExceptionFromResults(xrevrange)) return text;
  if (hmget.type != redis::RedisReply::Type::kArray || hmget.elements.empty()) return std::nullopt;
  const auto exc_info = keyspace::Text(hmget.elements.back());
  if (!exc_info || exc_info->empty()) return std::nullopt;
  return Inflate(std::string(*exc_info), kMaxExceptionBytes);
}

}  // namespace queuemon::sources::rq
