#include "sources/errors.h"

#include "base/error_category.h"

namespace queuemon::sources {
namespace {

namespace errc = boost::system::errc;

using base::Row;

constexpr base::ErrorRow kRows[] = {
    Row(Errc::kUnavailable, "broker unavailable (cannot connect, or the connection was lost)",
        errc::connection_refused),
    Row(Errc::kProtocol, "unexpected data from the broker (wrong type or shape)"),
    Row(Errc::kMalformedReply, "a worker reply could not be decoded"),
    Row(Errc::kInvalidArgument, "invalid argument", errc::invalid_argument),
    Row(Errc::kNotFound, "not found", errc::no_such_file_or_directory),
    Row(Errc::kShuttingDown, "shutting down", errc::operation_canceled),
};

}  // namespace

const boost::system::error_category& ErrorCategory() {
  static const base::TableErrorCategory category("queuemon.sources", kRows);
  return category;
}

boost::system::error_code MakeErrorCode(Errc e) { return {static_cast<int>(e), ErrorCategory()}; }

}  // namespace queuemon::sources
