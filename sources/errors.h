#pragma once
// Error codes of the sources (what a Source's Collect returns besides the Redis
// client's own redis::Errc, which sources pass through). Each maps to a portable boost::system::errc
// condition; the API answers invalid_argument -> 400, no_such_file_or_directory -> 404,
// timed_out -> 504, anything else -> 503.

#include <boost/system/error_code.hpp>

namespace queuemon::sources {

enum class Errc {
  kUnavailable = 1,      // the source cannot reach its broker
  kProtocol,             // the broker holds data of an unexpected shape
  kMalformedReply,       // a worker's reply could not be decoded
  kInvalidArgument,      // a caller-supplied value was rejected (a task id)
  kNotFound,             // an unknown view
  kShuttingDown,         // the source is stopping
};

const boost::system::error_category& ErrorCategory();
boost::system::error_code MakeErrorCode(Errc e);

}  // namespace queuemon::sources

template <>
struct boost::system::is_error_code_enum<queuemon::sources::Errc> : std::true_type {};

namespace queuemon::sources {
inline boost::system::error_code make_error_code(Errc e) { return MakeErrorCode(e); }
}  // namespace queuemon::sources
