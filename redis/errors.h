#pragma once
// Error codes of the Redis client, as a boost::system error category (house style:
// steady state returns boost::system::result<T>). Each maps to a portable boost::system::errc condition
// where one fits (kTimeout -> timed_out, kInvalidArgument -> invalid_argument).

#include <boost/system/error_code.hpp>

namespace queuemon::redis {

enum class Errc {
  kTimeout = 1,          // a deadline passed (connect, command)
  kUnavailable,          // the server cannot be reached / connection lost
  kProtocol,             // the server answered something unexpected (RESP error, wrong type)
  kInvalidArgument,      // a caller-supplied value was rejected (URL, command)
  kAuthFailed,           // AUTH / SELECT refused
  kShuttingDown,         // the client is stopping
};

const boost::system::error_category& ErrorCategory();
boost::system::error_code MakeErrorCode(Errc e);

// True for the errors that mean the server could not be used at all (unreachable, deadline,
// credentials refused), as opposed to an answer the caller disliked.
bool IsBrokerDown(const boost::system::error_code& ec);

}  // namespace queuemon::redis

template <>
struct boost::system::is_error_code_enum<queuemon::redis::Errc> : std::true_type {};

namespace queuemon::redis {
inline boost::system::error_code make_error_code(Errc e) { return MakeErrorCode(e); }
}  // namespace queuemon::redis
