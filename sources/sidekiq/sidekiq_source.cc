// SidekiqSource: Sidekiq's keys read in a bounded number of pipelined rounds.
#include "sources/sidekiq/sidekiq_source.h"

#include <nlohmann/json.hpp>

#include "redis/url.h"
#include "sources/errors.h"
#include "sources/keyspace/replies.h"
#include "sources/keyspace/views.h"
#include "sources/sidekiq/job_lookup.h"

namespace queuemon::sources::sidekiq {

using redis::RedisCommand;
using redis::RedisReply;

namespace {

bool FirstIsError(const std::vector<RedisReply>& replies) {
  return !replies.empty() && replies.front().is_error();
}

}  // namespace

SidekiqSource::SidekiqSource(boost::asio::any_io_executor executor,
                             const SidekiqOptions& options, const base::Clock& clock)
    : KeyspaceSource(std::move(executor), options.name, "sidekiq", options.redis, clock),
      keys_(options.namespace_),
      max_job_scan_(options.max_job_scan) {}

SidekiqSource::Awaitable<SidekiqSource::Workers> SidekiqSource::ReadWorkers() {
  auto listed = co_await redis().Command(ProcessesCommand(keys_));
  if (!listed) co_return listed.error();
  if (listed->is_error()) co_return MakeErrorCode(Errc::kProtocol);
  const std::vector<std::string> identities = keyspace::Strings(*listed);
  std::vector<RedisCommand> commands;
  for (const std::string& identity : identities) {
    for (RedisCommand& c : ProcessCommands(keys_, identity)) commands.push_back(std::move(c));
  }
  Workers out;
  std::vector<WorkerInfo> workers;
  if (!commands.empty()) {
    auto replies = co_await redis().Pipeline(std::move(commands));
    if (!replies) co_return replies.error();
    const double now = base::UnixNow();
    for (std::size_t i = 0; i < identities.size(); ++i) {
      const std::span<const RedisReply> r(&(*replies)[i * kCommandsPerProcess], kCommandsPerProcess);
      // ProcessSet#each skips a listed process whose heartbeat hash expired.
      if (auto w = WorkerFromProcess(identities[i], r[0], r.subspan(1), now, out.running)) {
        workers.push_back(std::move(*w));
      }
    }
  }
  out.view = keyspace::BuildWorkersView(std::move(workers), base::UnixNow());
  co_return out;
}

SidekiqSource::Awaitable<QueuesView> SidekiqSource::ReadQueues() {
  auto stats = co_await redis().Pipeline(StatsCommands(keys_));
  if (!stats) co_return stats.error();
  if (FirstIsError(*stats)) co_return MakeErrorCode(Errc::kProtocol);
  const std::vector<std::string> queues = keyspace::Strings((*stats)[0]);
  const std::vector<std::string> processes = keyspace::Strings((*stats)[6]);
  std::vector<RedisCommand> commands;
  for (const std::string& q : queues) {
    for (RedisCommand& c : QueueCommands(keys_, q)) commands.push_back(std::move(c));
  }
  for (const std::string& p : processes) commands.push_back(ProcessBriefCommand(keys_, p));
  std::vector<RedisReply> replies;
  if (!commands.empty()) {
    auto answered = co_await redis().Pipeline(std::move(commands));
    if (!answered) co_return answered.error();
    replies = std::move(*answered);
  }
  const std::span<const RedisReply> all(replies);
  const std::size_t queue_count = queues.size() * kCommandsPerQueue;
  co_return BuildQueuesView(queues, *stats, all.first(queue_count), all.subspan(queue_count),
                            base::UnixNow());
}

SidekiqSource::Awaitable<JobInfo> SidekiqSource::ReadJob(const std::string& jid) {
  auto found = co_await FindBusy(jid);
  for (const JobSet& set : kJobSets) {
    if (!found || *found) break;
    found = co_await FindInSet(jid, set);
  }
  if (found && !*found) found = co_await FindInQueues(jid);
  if (!found) co_return found.error();
  JobInfo job;
  if (*found) {
    job = std::move(**found);
  } else {
    job.id = jid;
  }
  co_return job;
}

SidekiqSource::Awaitable<std::optional<JobInfo>> SidekiqSource::FindBusy(const std::string& jid) {
  auto listed = co_await redis().Command(ProcessesCommand(keys_));
  if (!listed) co_return listed.error();
  const std::vector<std::string> identities = keyspace::Strings(*listed);
  std::vector<RedisCommand> commands;
  for (const std::string& identity : identities) {
    for (RedisCommand& c : WorkCommands(keys_, identity)) commands.push_back(std::move(c));
  }
  if (commands.empty()) co_return std::optional<JobInfo>();
  auto replies = co_await redis().Pipeline(std::move(commands));
  if (!replies) co_return replies.error();
  const std::span<const RedisReply> all(*replies);
  for (std::size_t i = 0; i < identities.size(); ++i) {
    if (auto job = BusyJob(jid, identities[i], all.subspan(i * kWorkHashes, kWorkHashes))) co_return job;
  }
  co_return std::optional<JobInfo>();
}

// ZSCAN pages until the cursor comes back to 0, or max_job_scan entries were asked for.
SidekiqSource::Awaitable<std::optional<JobInfo>> SidekiqSource::FindInSet(const std::string& jid,
                                                                         const JobSet& set) {
  std::string cursor = "0";
  for (std::size_t asked = 0; asked < max_job_scan_; asked += kScanPage) {
    auto page = co_await redis().Command(ScanSetCommand(keys_, set.key, cursor, jid));
    if (!page) co_return page.error();
    if (page->type != RedisReply::Type::kArray || page->elements.size() != 2) break;
    cursor = std::string(keyspace::Text(page->elements[0]).value_or("0"));
    std::vector<std::string> members;  // member, score, member, score, ...
    const std::vector<std::string> flat = keyspace::Strings(page->elements[1]);
    for (std::size_t i = 0; i < flat.size(); i += 2) members.push_back(flat[i]);
    if (auto job = FindJob(members, jid, set.status)) co_return job;
    if (cursor == "0") break;
  }
  co_return std::optional<JobInfo>();
}

SidekiqSource::Awaitable<std::optional<JobInfo>> SidekiqSource::FindInQueues(
    const std::string& jid) {
  auto listed = co_await redis().Command(QueuesCommand(keys_));
  if (!listed) co_return listed.error();
  const std::vector<std::string> queues = keyspace::Strings(*listed);
  for (const std::string& queue : queues) {
    for (std::size_t start = 0; start < max_job_scan_; start += kScanPage) {
      auto page = co_await redis().Command(QueuePageCommand(keys_, queue, start));
      if (!page) co_return page.error();
      const std::vector<std::string> entries = keyspace::Strings(*page);
      if (auto job = FindJob(entries, jid, "enqueued")) co_return job;
      if (entries.size() < kScanPage) break;
    }
  }
  co_return std::optional<JobInfo>();
}

std::unique_ptr<SourceOptions> SidekiqOptions::Clone() const {
  return std::make_unique<SidekiqOptions>(*this);
}

std::unique_ptr<Source> SidekiqOptions::MakeSource(boost::asio::any_io_executor executor,
                                                   const base::Clock& clock) const {
  return std::make_unique<SidekiqSource>(std::move(executor), *this, clock);
}

std::string SidekiqOptions::Describe() const {
  return "redis " + redis::RedactRedisUrl(redis.url) +
         (namespace_.empty() ? "" : " namespace " + namespace_);
}

}  // namespace queuemon::sources::sidekiq
