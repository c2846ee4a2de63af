#pragma once
// Error codes of the collectors, as a boost::system error category, so steady-state code returns
// boost::system::result<T> (house style: no exceptions out of Asio handlers). The HTTP layer maps
// them: kTimeout -> 504, kInvalidArgument -> 400, kNotFound -> 404, everything else -> 503.

#include <boost/system/error_code.hpp>

namespace queuemon::collectors {

enum class Errc {
  kTimeout = 1,          // a deadline passed (connect, command, broadcast)
  kUnavailable,          // the broker cannot be reached / connection lost
  kProtocol,             // the broker answered something unexpected (RESP error, wrong type)
  kMalformedReply,       // a worker's reply could not be decoded
  kInvalidArgument,      // a caller-supplied value was rejected (e.g. a task id)
  kNotFound,             // an unknown source or view
  kAuthFailed,           // AUTH / SELECT refused
  kShuttingDown,         // the collector is stopping
};

const boost::system::error_category& CollectorCategory();
boost::system::error_code MakeErrorCode(Errc e);

}  // namespace queuemon::collectors

template <>
struct boost::system::is_error_code_enum<queuemon::collectors::Errc> : std::true_type {};

namespace queuemon::collectors {
inline boost::system::error_code make_error_code(Errc e) { return MakeErrorCode(e); }
}  // namespace queuemon::collectors
