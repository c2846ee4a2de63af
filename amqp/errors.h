#pragma once
// Error codes of the AMQP client, as a boost::system error category. Each maps to the same
// portable boost::system::errc condition as redis/errors.h's, so a caller that classifies
// "broker down" by condition treats both brokers alike.

#include <boost/system/error_code.hpp>

namespace queuemon::amqp {

enum class Errc {
  kTimeout = 1,      // a deadline passed (connect, handshake, RPC, the caller's deadline)
  kUnavailable,      // the broker cannot be reached, or the connection was lost
  kProtocol,         // the broker closed a channel or answered something unexpected
  kInvalidArgument,  // a caller-supplied value was rejected (URL)
  kAuthFailed,       // login refused (credentials, vhost access)
  kShuttingDown,     // the link is closing
};

const boost::system::error_category& ErrorCategory();
boost::system::error_code MakeErrorCode(Errc e);

// True for the errors that mean the broker could not be used at all.
bool IsBrokerDown(const boost::system::error_code& ec);

}  // namespace queuemon::amqp

template <>
struct boost::system::is_error_code_enum<queuemon::amqp::Errc> : std::true_type {};

namespace queuemon::amqp {
inline boost::system::error_code make_error_code(Errc e) { return MakeErrorCode(e); }
}  // namespace queuemon::amqp
