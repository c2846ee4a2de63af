#pragma once
// SourceOptions: the options of one configured source. Each kind derives its own plain options
// struct (read from the config by that kind's reader in config/) and builds its Source from
// it, so the daemon creates sources without knowing their kinds.
//
// Thread-safety: plain data; MakeSource is called once per source at start-up.

#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "base/clock.h"
#include "sources/source.h"

namespace queuemon::sources {

class SourceOptions {
 public:
  virtual ~SourceOptions() = default;

  // The {source} of /api/v1/{source}/... and the `source` label: 1..64 of [A-Za-z0-9_.-].
  std::string name;

  // The "kind" of the config ("celery").
  virtual std::string_view Kind() const = 0;
  // A copy of the most derived options (a Config is a value).
  virtual std::unique_ptr<SourceOptions> Clone() const = 0;
  // Builds the source. REQUIRES: `clock` outlives it. May throw std::exception at start-up
  // (options a reader cannot check, e.g. a URL the kind's client refuses).
  virtual std::unique_ptr<Source> MakeSource(boost::asio::any_io_executor executor,
                                             const base::Clock& clock) const = 0;
  // What it reads from, for the start-up log, secrets redacted ("broker redis://***@h:6379/0").
  virtual std::string Describe() const = 0;

 protected:
  explicit SourceOptions(std::string default_name) : name(std::move(default_name)) {}
  SourceOptions(const SourceOptions&) = default;
  SourceOptions& operator=(const SourceOptions&) = default;
};

}  // namespace queuemon::sources
