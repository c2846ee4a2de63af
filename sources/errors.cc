#include "sources/errors.h"

#include <string>

namespace queuemon::sources {
namespace {

class ErrorCategoryImpl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "queuemon.sources"; }

  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::kTimeout:
        return "deadline exceeded waiting for the broker";
      case Errc::kUnavailable:
        return "broker unavailable (cannot connect, or the connection was lost)";
      case Errc::kProtocol:
        return "unexpected data from the broker (wrong type or shape)";
      case Errc::kMalformedReply:
        return "a worker reply could not be decoded";
      case Errc::kInvalidArgument:
        return "invalid argument";
      case Errc::kNotFound:
        return "not found";
      case Errc::kShuttingDown:
        return "shutting down";
    }
    return "unknown sources error " + std::to_string(ev);
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
      case Errc::kNotFound:
        return errc::make_error_condition(errc::no_such_file_or_directory);
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

}  // namespace queuemon::sources
