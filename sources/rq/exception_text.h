#pragma once
// The exception of a failed RQ job: from the newest entry of its rq:results:<id> stream, where
// RQ 1.12+ keeps it as base64(zlib(text)) in the field exc_string; else from the job hash's
// exc_info (zlib(text)), where older RQ kept it and a job failed without a result still has it.
//
// Thread-safety: pure function.

#include <cstddef>
#include <optional>
#include <string>

#include "redis/reply.h"

namespace queuemon::sources::rq {

// At most this much of a traceback is kept (the tail holds the exception line).
inline constexpr std::size_t kMaxExceptionBytes = 16 * 1024;
// Inflating stops after this many bytes (a zlib bomb costs bounded CPU); the text kept is then
// the tail of what was inflated.
inline constexpr std::size_t kMaxInflatedBytes = 1024 * 1024;

// From an `XREVRANGE rq:results:<id> + - COUNT 1` reply: the exception text (its last
// kMaxExceptionBytes), or nullopt when the newest result holds none or cannot be decoded.
std::optional<std::string> ExceptionFromResults(const redis::RedisReply& xrevrange);
// From the job's HMGET of kJobFields (rq_layout.h) and that XREVRANGE: the result's exception,
// else the hash's exc_info.
std::optional<std::string> ExceptionOfJob(const redis::RedisReply& hmget,
                                          const redis::RedisReply& xrevrange);

}  // namespace queuemon::sources::rq
