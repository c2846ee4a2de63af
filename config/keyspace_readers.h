#pragma once
// The config readers of "kind": "rq" and "kind": "sidekiq" sources (sources/rq/options.h,
// sources/sidekiq/options.h), and their reload checks; rows of the kind list (source_kinds.cc).
// Startup and reload only; they throw ConfigError naming the key. Thread-safety: pure.

#include <memory>
#include <optional>
#include <string>

#include "config/object_reader.h"
#include "sources/source_options.h"

namespace queuemon::config {

// rq: "broker" and its timeouts (RQ's key names are fixed).
std::unique_ptr<sources::SourceOptions> ReadRqOptions(ObjectReader& r);
std::optional<std::string> FirstRqChange(const sources::SourceOptions& running,
                                         const sources::SourceOptions& next,
                                         const std::string& prefix);

// sidekiq: "broker" and its timeouts, "namespace" (redis-namespace), "max_job_scan".
std::unique_ptr<sources::SourceOptions> ReadSidekiqOptions(ObjectReader& r);
std::optional<std::string> FirstSidekiqChange(const sources::SourceOptions& running,
                                              const sources::SourceOptions& next,
                                              const std::string& prefix);

}  // namespace queuemon::config
