#pragma once
// The explicit list of collectors queuemond runs (house style: no static self-registration):
// one CelerySource per configured source, in config order. A new kind of source is added
// here and nowhere else.

#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "base/clock.h"
#include "sources/celery/redis/options.h"
#include "sources/source.h"

namespace queuemon::daemon {

// REQUIRES: `clock` outlives the collectors.
std::vector<std::unique_ptr<sources::Source>> MakeCollectors(
    boost::asio::any_io_executor executor, const std::vector<sources::celery::over_redis::CeleryOptions>& sources,
    const base::Clock& clock);

}  // namespace queuemon::daemon
