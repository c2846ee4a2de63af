#pragma once
// Reading of the config file's "sources" array: the keys every source has ("name", "kind"),
// then the kind's own keys by that kind's reader (source_kinds.h). Used only by ParseConfig.

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/source_config.h"

namespace queuemon::config {

// Parses a non-empty array of source objects. "kind" defaults to "celery" (files written before
// kinds existed keep working); names must be unique and usable as a URL path segment. Throws
// ConfigError naming the key, e.g. "sources[1].broker" or "sources[0].kind".
std::vector<SourceConfig> ReadSources(const nlohmann::json& array, const std::string& path);

}  // namespace queuemon::config
