#include "redis/errors.h"

#include "base/error_category.h"

namespace queuemon::redis {
namespace {

namespace errc = boost::system::errc;

using base::Row;

constexpr base::ErrorRow kRows[] = {
    Row(Errc::kTimeout, "deadline exceeded waiting for the broker", errc::timed_out),
    Row(Errc::kUnavailable, "broker unavailable (cannot connect, or the connection was lost)",
        errc::connection_refused),
    Row(Errc::kProtocol,
        "unexpected reply from the broker (protocol error, wrong type or reply too large)"),
    Row(Errc::kInvalidArgument, "invalid argument", errc::invalid_argument),
    Row(Errc::kAuthFailed, "broker refused AUTH or SELECT (check the URL's credentials and db)"),
    Row(Errc::kShuttingDown, "shutting down", errc::operation_canceled),
};

}  // namespace

const boost::system::error_category& ErrorCategory() {
  static const base::TableErrorCategory category("queuemon.redis", kRows);
  return category;
}

boost::system::error_code MakeErrorCode(Errc e) { return {static_cast<int>(e), ErrorCategory()}; }

bool IsBrokerDown(const boost::system::error_code& ec) {
  return ec == MakeErrorCode(Errc::kUnavailable) || ec == MakeErrorCode(Errc::kTimeout) ||
         ec == MakeErrorCode(Errc::kAuthFailed);
}

}  // namespace queuemon::redis
