#pragma once
// RqOptions: one RQ (python-rq) deployment on Redis ("kind": "rq"). Plain data (thread-safety of
// a value); its reader is config/keyspace_readers.cc. RQ's key names are fixed ("rq:..."), so
// the connection is all there is.

#include "redis/options.h"
#include "sources/source_options.h"

namespace queuemon::sources::rq {

struct RqOptions final : SourceOptions {
  static constexpr std::string_view kKind = "rq";

  RqOptions() : SourceOptions("rq") {}
  std::string_view Kind() const override { return kKind; }
  std::unique_ptr<SourceOptions> Clone() const override;
  std::unique_ptr<Source> MakeSource(boost::asio::any_io_executor executor,
                                     const base::Clock& clock) const override;
  std::string Describe() const override;  // "redis <redacted URL>"

  redis::RedisOptions redis;
};

}  // namespace queuemon::sources::rq
