#include "amqp/errors.h"

#include "base/error_category.h"

namespace queuemon::amqp {
namespace {

namespace errc = boost::system::errc;

using base::Row;

constexpr base::ErrorRow kRows[] = {
    Row(Errc::kTimeout, "deadline exceeded waiting for the AMQP broker", errc::timed_out),
    Row(Errc::kUnavailable, "AMQP broker unavailable (cannot connect, or the connection was lost)",
        errc::connection_refused),
    Row(Errc::kProtocol, "the AMQP broker refused an operation (channel closed)"),
    Row(Errc::kInvalidArgument, "invalid argument", errc::invalid_argument),
    Row(Errc::kAuthFailed, "AMQP broker refused the login (check the URL's user, password, vhost)"),
    Row(Errc::kShuttingDown, "shutting down", errc::operation_canceled),
};

}  // namespace

const boost::system::error_category& ErrorCategory() {
  static const base::TableErrorCategory category("queuemon.amqp", kRows);
  return category;
}

boost::system::error_code MakeErrorCode(Errc e) { return {static_cast<int>(e), ErrorCategory()}; }

bool IsBrokerDown(const boost::system::error_code& ec) {
  return ec == MakeErrorCode(Errc::kUnavailable) || ec == MakeErrorCode(Errc::kTimeout) ||
         ec == MakeErrorCode(Errc::kAuthFailed);
}

}  // namespace queuemon::amqp
