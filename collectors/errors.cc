#include "collectors/errors.h"

#include <string>

namespace queuemon::collectors {
namespace {

class CollectorCategoryImpl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "queuemon.collectors"; }

  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::kTimeout:
        return "deadline exceeded waiting for the broker";
      case Errc::kUnavailable:
        return "broker unavailable (cannot connect, or the connection was lost)";
      case Errc::kProtocol:
        return "unexpected reply from the broker (protocol error, wrong type or reply too large)";
      case Errc::kMalformedReply:
        return "a worker reply could not be decoded";
      case Errc::kInvalidArgument:
        return "invalid argument";
      case Errc::kNotFound:
        return "not found";
      case Errc::kAuthFailed:
        return "broker refused AUTH or SELECT (check the URL's credentials and db)";
      case Errc::kShuttingDown:
        return "shutting down";
    }
    return "unknown collectors error " + std::to_string(ev);
  }
};

}  // namespace

const boost::system::error_category& CollectorCategory() {
  static const CollectorCategoryImpl category;
  return category;
}

boost::system::error_code MakeErrorCode(Errc e) {
  return {static_cast<int>(e), CollectorCategory()};
}

}  // namespace queuemon::collectors
