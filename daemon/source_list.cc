#include "daemon/source_list.h"

#include "sources/celery/redis/celery_source.h"

namespace queuemon::daemon {

std::vector<std::unique_ptr<sources::Source>> MakeCollectors(
    boost::asio::any_io_executor executor, const std::vector<sources::celery::over_redis::CeleryOptions>& sources,
    const base::Clock& clock) {
  std::vector<std::unique_ptr<sources::Source>> list;
  for (const auto& source : sources) {
    list.push_back(std::make_unique<sources::celery::over_redis::CelerySource>(executor, source, clock));
  }
  return list;
}

}  // namespace queuemon::daemon
