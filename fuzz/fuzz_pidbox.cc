// Fuzz target: what the pidbox (inspect/control) path decodes from the broker: kombu reply
// envelopes (DecodePidboxReply, DecodeEnvelopeBody, Base64Decode) and every inspect reply body
// parser, plus the result-backend JSON (ParseTaskMeta). Contract (pidbox_codec.h,
// inspect_replies.h): malformed input is an error value, never an exception or a crash; the
// size limit holds; base64 round-trips.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sources/celery/redis/results.h"
#include "sources/celery/inspect_replies.h"
#include "sources/celery/pidbox_codec.h"

namespace {

namespace c = queuemon::sources::celery;

void ParseBody(std::string_view body) {
  std::string why;
  (void)c::ParseStatsReply(body, &why);
  (void)c::ParseTaskListReply(body, &why);
  (void)c::ParseScheduledReply(body, &why);
  (void)c::ParseActiveQueuesReply(body, &why);
  (void)c::ParsePingReply(body, &why);
  (void)c::ReplyNode(body, &why);
  (void)c::over_redis::ParseTaskMeta("fuzz-task", body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kMax = 64 * 1024;
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  std::string why;
  if (auto reply = c::DecodePidboxReply(raw, kMax, &why)) {
    if (reply->body.size() > kMax) __builtin_trap();
    ParseBody(reply->body);
  }
  if (auto body = c::DecodeEnvelopeBody(raw, kMax, &why)) {
    if (body->size() > kMax) __builtin_trap();
  }
  ParseBody(raw);  // the bodies themselves, as if already decoded
  if (auto decoded = c::Base64Decode(raw)) {
    // Round trip. (Not encode(decode(x)) == x: non-zero trailing bits, as in "B2b=", are
    // accepted, which RFC 4648 section 3.5 allows.)
    if (raw.size() % 4 != 0) __builtin_trap();  // padded base64 only
    auto again = c::Base64Decode(c::Base64Encode(*decoded));
    if (!again || *again != *decoded) __builtin_trap();
  }
  return 0;
}
