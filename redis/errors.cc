#include "redis/errors.h"

#include <string>

namespace queuemon::redis {
namespace {

class ErrorCategoryImpl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "queuemon.redis"; }

  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::kTimeout:
        return "deadline exceeded waiting for the broker";
      case Errc::kUnavailable:
        return "broker unavailable (cannot connect, or the connection was lost)";
      case Errc::kProtocol:
        return "unexpected reply from the broker (protocol error, wrong type or reply too large)";
      case Errc::kInvalidArgument:
        return "invalid argument";
      case Errc::kAuthFailed:
        return "broker refused AUTH or SELECT (check the URL's credentials and db)";
      case Errc::kShuttingDown:
        return "shutting down";
    }
    return "unknown redis error " + std::to_string(ev);
  }

  // The portable meaning, so a caller that knows neither enum (the API's status mapping) can
  // still tell a timeout or a rejected argument: `ec == boost::system::errc::timed_out`.
  boost::system::error_condition default_error_condition(int ev) const noexcept override {
    namespace errc = boost::system::errc;
    switch (static_cast<Errc>(ev)) {
      case Errc::kTimeout:
        return errc::make_error_condition(errc::timed_out);
      case Errc::kInvalidArgument:
        return errc::make_error_condition(errc::invalid_argument);
      case Errc::kUnavailable:
        return errc::make_error_condition(errc::connection_refused);
      case Errc::kShuttingDown:
        return errc::make_error_condition(errc::operation_canceled);
      default:
        return {ev, *this};
    }
  }
};

}  // namespace

const boost::system::error_category& ErrorCategory() {
  static const ErrorCategoryImpl category;
  return category;
}

boost::system::error_code MakeErrorCode(Errc e) { return {static_cast<int>(e), ErrorCategory()}; }

}  // namespace queuemon::redis
