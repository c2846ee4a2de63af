#include "config/keyspace_readers.h"

#include <nlohmann/json.hpp>

#include "config/broker_reader.h"
#include "config/checks.h"
#include "config/keys.h"
#include "sources/rq/options.h"
#include "sources/sidekiq/options.h"

namespace queuemon::config {

using sources::rq::RqOptions;
using sources::sidekiq::SidekiqOptions;

std::unique_ptr<sources::SourceOptions> ReadRqOptions(ObjectReader& r) {
  auto source = std::make_unique<RqOptions>();
  ReadBrokerConnection(r, source->redis);
  return source;
}

std::optional<std::string> FirstRqChange(const sources::SourceOptions& running,
                                         const sources::SourceOptions& next,
                                         const std::string& prefix) {
  return FirstBrokerChange(dynamic_cast<const RqOptions&>(running).redis,
                           dynamic_cast<const RqOptions&>(next).redis, prefix);
}

std::unique_ptr<sources::SourceOptions> ReadSidekiqOptions(ObjectReader& r) {
  auto source = std::make_unique<SidekiqOptions>();
  ReadBrokerConnection(r, source->redis);
  r.ReadString(keys::kNamespace, source->namespace_);
  if (source->namespace_.find_first_of("*?[]") != std::string::npos) {
    FailAt(r.PathOf(keys::kNamespace), "must not hold glob characters", nlohmann::json(source->namespace_));
  }
  r.ReadSize(keys::kMaxJobScan, source->max_job_scan, 0, std::size_t{100'000'000});
  return source;
}

std::optional<std::string> FirstSidekiqChange(const sources::SourceOptions& running,
                                              const sources::SourceOptions& next,
                                              const std::string& prefix) {
  const auto& a = dynamic_cast<const SidekiqOptions&>(running);
  const auto& b = dynamic_cast<const SidekiqOptions&>(next);
  if (auto broker = FirstBrokerChange(a.redis, b.redis, prefix)) return broker;
  if (a.namespace_ != b.namespace_) return prefix + "." + std::string(keys::kNamespace);
  if (a.max_job_scan != b.max_job_scan) return prefix + "." + std::string(keys::kMaxJobScan);
  return std::nullopt;
}

}  // namespace queuemon::config
