#pragma once
// The explicit list of collectors queuemond runs (house style: no static self-registration):
// one CeleryCollector per configured source, in config order. A new kind of source is added
// here and nowhere else.

#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "cache/clock.h"
#include "collectors/celery_options.h"
#include "collectors/collector.h"

namespace queuemon::daemon {

// REQUIRES: `clock` outlives the collectors.
std::vector<std::unique_ptr<collectors::Collector>> MakeCollectors(
    boost::asio::any_io_executor executor, const std::vector<collectors::CeleryOptions>& sources,
    const cache::Clock& clock);

}  // namespace queuemon::daemon
