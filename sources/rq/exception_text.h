#pragma once
// The exception of a failed RQ job, from the newest entry of its rq:results:<id> stream, where
// RQ 1.12+ keeps it as base64(zlib(text)) in the field exc_string.
//
// Thread-safety: pure function.

#include <cstddef>
#include <optional>
#include <string>

#include "redis/reply.h"

namespace queuemon::sources::rq {

// At most this much of a traceback is kept (the tail holds the exception line).
inline constexpr std::size_t kMaxExceptionBytes = 16 * 1024;

// From an `XREVRANGE rq:results:<id> + - COUNT 1` reply: the exception text (its last
// kMaxExceptionBytes), or nullopt when the newest result holds none or cannot be decoded.
std::optional<std::string> ExceptionFromResults(const redis::RedisReply& xrevrange);

}  // namespace queuemon::sources::rq
