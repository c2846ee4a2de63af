#include "daemon/collector_list.h"

#include "collectors/celery_collector.h"

namespace queuemon::daemon {

std::vector<std::unique_ptr<collectors::Collector>> MakeCollectors(
    boost::asio::any_io_executor executor, const std::vector<collectors::CeleryOptions>& sources,
    const cache::Clock& clock) {
  std::vector<std::unique_ptr<collectors::Collector>> list;
  for (const auto& source : sources) {
    list.push_back(std::make_unique<collectors::CeleryCollector>(executor, source, clock));
  }
  return list;
}

}  // namespace queuemon::daemon
