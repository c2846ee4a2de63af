#pragma once
// The config reader of "kind": "celery" sources (sources/celery/redis/options.h), and the
// reload check of their keys; one row of the kind list (source_kinds.cc).

#include <memory>
#include <optional>
#include <string>

#include "config/object_reader.h"
#include "sources/celery/amqp/options.h"
#include "sources/celery/redis/options.h"

namespace queuemon::config {

// Reads broker, result_backend, queues, key naming and timeouts over CeleryOptions' defaults.
// Throws ConfigError naming the key, e.g. "sources[1].broker: ...".
std::unique_ptr<sources::SourceOptions> ReadCeleryOptions(ObjectReader& r);

// The first celery key that differs between two celery sources, as "<prefix>.<key>".
std::optional<std::string> FirstCeleryChange(const sources::SourceOptions& running,
                                             const sources::SourceOptions& next,
                                             const std::string& prefix);

}  // namespace queuemon::config
