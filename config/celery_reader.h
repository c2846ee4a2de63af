#pragma once
// Reading of the config file's "sources" array into CeleryOptions (one per monitored Celery
// app). Split from config.cc to keep each file to one concern; used only by ParseConfig.

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sources/celery/redis/options.h"

namespace queuemon::config {

// Parses a non-empty array of source objects, each over CeleryOptions' defaults. Names must be
// unique and usable as a URL path segment. Throws ConfigError naming e.g. "sources[1].broker".
std::vector<sources::celery::over_redis::CeleryOptions> ReadSources(const nlohmann::json& array,
                                                   const std::string& path);

}  // namespace queuemon::config
