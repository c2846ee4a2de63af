// Fuzz target: queuemon::redis::RedisReplyDecoder (hiredis' redisReader behind our owning wrapper).
// Bytes arrive in pieces whose sizes the input chooses, as from a socket; every reply is taken
// out. Contract: no crash, no leak, the reply size limit holds, and after an error every call
// fails.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "redis/wire.h"

namespace {

std::size_t CountBytes(const queuemon::redis::RedisReply& reply) {
  std::size_t n = reply.str.size();
  for (const auto& element : reply.elements) n += CountBytes(element);
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kLimit = 4096;
  queuemon::redis::RedisReplyDecoder decoder(kLimit);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  bool failed = false;
  while (!input.empty()) {
    // The first byte picks the next piece's size (1..64), the rest is the stream.
    const std::size_t piece = std::min<std::size_t>(input.size(), 1 + (input[0] & 0x3f));
    input.remove_prefix(1);
    const std::string_view bytes = input.substr(0, piece);
    input.remove_prefix(bytes.size());
    if (!decoder.Feed(bytes)) failed = true;
    for (;;) {
      auto next = decoder.Next();
      if (!next) {
        failed = true;
        break;
      }
      if (failed) __builtin_trap();  // an error must be sticky
      if (!next->has_value()) break;
      if (CountBytes(**next) > kLimit) __builtin_trap();
    }
  }
  return 0;
}
