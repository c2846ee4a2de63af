#pragma once
// SidekiqOptions: one Sidekiq deployment on Redis ("kind": "sidekiq"). Plain data (thread-safety
// of a value); its reader is config/keyspace_readers.cc.

#include <string>

#include "redis/options.h"
#include "sources/source_options.h"

namespace queuemon::sources::sidekiq {

struct SidekiqOptions final : SourceOptions {
  static constexpr std::string_view kKind = "sidekiq";

  SidekiqOptions() : SourceOptions("sidekiq") {}
  std::string_view Kind() const override { return kKind; }
  std::unique_ptr<SourceOptions> Clone() const override;
  std::unique_ptr<Source> MakeSource(boost::asio::any_io_executor executor,
                                     const base::Clock& clock) const override;
  std::string Describe() const override;  // "redis <redacted URL>[ namespace <ns>]"

  redis::RedisOptions redis;
  // The redis-namespace gem's namespace: every key is "<namespace>:<key>". Empty: none.
  std::string namespace_;
  // A job lookup by id (Sidekiq keeps no index) reads at most this many entries of each of the
  // retry, schedule and dead sets and of each queue.
  std::size_t max_job_scan = 100'000;
};

}  // namespace queuemon::sources::sidekiq
