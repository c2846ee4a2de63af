// SidekiqSource: Sidekiq's keys read in a bounded number of pipelined rounds.
#include "sources/sidekiq/sidekiq_source.h"

#include <nlohmann/json.hpp>

#include "redis/url.h"
#include "sources/errors.h"
#include "sources/keyspace/replies.h"
#include "sources/keyspace/views.h"

namespace queuemon::sources::sidekiq {

using redis::RedisCommand;
using redis::RedisReply;

namespace {

// The scanned sets, in the order a lookup tries them, with the status a job there has.
struct JobSet {
  std::string_view key;
  std::string_view status;
};
constexpr JobSet kJobSets[] = {{"retry", "retry"}, {"schedule", "scheduled"}, {"dead", "dead"}};
constexpr std::size_t kQueuePage = 1000;

bool FirstIsError(const std::vector<RedisReply>& replies) {
  return !replies.empty() && replies.front().is_error();
}

}  // namespace

SidekiqSource::SidekiqSource(boost::asio::any_io_executor executor,
                             const SidekiqOptions& options, const base::Clock& clock)
    : KeyspaceSource(std::move(executor), options.name, "sidekiq", options.redis, clock),
      keys_(options.namespace_),
      max_queue_scan_(options.max_queue_scan) {}

boost::asio::awaitable<SidekiqSource::Result> SidekiqSource::CollectView(
    const ViewRequest& request) {
  switch (request.view) {
    case View::kWorkers: {
      auto processes = co_await ReadProcesses();
      if (!processes) co_return processes.error();
      co_return MakeCollected(std::move(processes->workers));
    }
    case View::kQueues: {
      auto queues = co_await ReadQueues();
      if (!queues) co_return queues.error();
      co_return MakeCollected(std::move(*queues));
    }
    case View::kTasks:
      co_return co_await Jobs();
    case View::kTask:
      co_return co_await Job(request.argument);
    case View::kSummary:
      co_return co_await Summary();
    default:
      co_return MakeErrorCode(Errc::kNotFound);
  }
}

SidekiqSource::Awaitable<std::int64_t> SidekiqSource::CountOnline() {
  auto processes = co_await ReadProcesses();
  if (!processes) co_return processes.error();
  co_return processes->workers.online;
}

SidekiqSource::Awaitable<SidekiqSource::Processes> SidekiqSource::ReadProcesses() {
  auto listed = co_await redis().Command(ProcessesCommand(keys_));
  if (!listed) co_return listed.error();
  if (listed->is_error()) co_return MakeErrorCode(Errc::kProtocol);
  const std::vector<std::string> identities = keyspace::Strings(*listed);
  std::vector<RedisCommand> commands;
  for (const std::string& identity : identities) {
    for (RedisCommand& c : ProcessCommands(keys_, identity)) commands.push_back(std::move(c));
  }
  Processes out;
  std::vector<WorkerInfo> workers;
  if (!commands.empty()) {
    auto replies = co_await redis().Pipeline(std::move(commands));
    if (!replies) co_return replies.error();
    const double now = base::UnixNow();
    for (std::size_t i = 0; i < identities.size(); ++i) {
      const RedisReply* r = &(*replies)[i * kCommandsPerProcess];
      // ProcessSet#each skips a listed process whose heartbeat hash expired.
      if (auto w = WorkerFromProcess(identities[i], r[0], r[1], now, out.running)) {
        workers.push_back(std::move(*w));
      }
    }
  }
  out.workers = BuildWorkersView(std::move(workers), base::UnixNow());
  NoteWorkersOnline(out.workers.online);
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
  const RedisReply* queue_replies = replies.data();
  const RedisReply* process_replies = replies.data() + queues.size() * kCommandsPerQueue;
  co_return BuildQueuesView(queues, *stats, queue_replies, process_replies, processes.size(),
                            base::UnixNow());
}

boost::asio::awaitable<SidekiqSource::Result> SidekiqSource::Jobs() {
  auto processes = co_await ReadProcesses();
  if (!processes) co_return processes.error();
  auto queues = co_await ReadQueues();
  if (!queues) co_return queues.error();
  co_return MakeCollected(
      keyspace::BuildJobsView(*queues, std::move(processes->running), base::UnixNow()));
}

boost::asio::awaitable<SidekiqSource::Result> SidekiqSource::Summary() {
  auto processes = co_await ReadProcesses();
  if (!processes) co_return processes.error();
  auto queues = co_await ReadQueues();
  if (!queues) co_return queues.error();
  co_return MakeCollected(keyspace::BuildSummaryView(processes->workers, *queues, base::UnixNow()));
}

boost::asio::awaitable<SidekiqSource::Result> SidekiqSource::Job(const std::string& jid) {
  if (!ValidTaskId(jid)) co_return MakeErrorCode(Errc::kInvalidArgument);
  auto found = co_await FindBusy(jid);
  for (const JobSet& set : kJobSets) {
    if (!found || *found) break;
    found = co_await FindInSet(jid, set.key, std::string(set.status));
  }
  if (found && !*found) found = co_await FindInQueues(jid);
  if (!found) co_return found.error();
  JobInfo job;
  if (*found) {
    job = std::move(**found);
  } else {
    job.id = jid;
  }
  co_return MakeCollected(std::move(job));
}

SidekiqSource::Awaitable<std::optional<JobInfo>> SidekiqSource::FindBusy(const std::string& jid) {
  auto listed = co_await redis().Command(ProcessesCommand(keys_));
  if (!listed) co_return listed.error();
  const std::vector<std::string> identities = keyspace::Strings(*listed);
  std::vector<RedisCommand> commands;
  for (const std::string& identity : identities) {
    commands.push_back(std::move(ProcessCommands(keys_, identity)[1]));  // HGETALL :workers
  }
  if (commands.empty()) co_return std::optional<JobInfo>();
  auto replies = co_await redis().Pipeline(std::move(commands));
  if (!replies) co_return replies.error();
  for (std::size_t i = 0; i < identities.size(); ++i) {
    if (auto job = BusyJob(jid, identities[i], (*replies)[i])) co_return job;
  }
  co_return std::optional<JobInfo>();
}

SidekiqSource::Awaitable<std::optional<JobInfo>> SidekiqSource::FindInSet(
    const std::string& jid, std::string_view set, std::string status) {
  std::string cursor = "0";
  do {
    auto page = co_await redis().Command(ScanSetCommand(keys_, set, cursor, jid));
    if (!page) co_return page.error();
    if (page->type != RedisReply::Type::kArray || page->elements.size() != 2) break;
    cursor = std::string(keyspace::Text(page->elements[0]).value_or("0"));
    std::vector<std::string> members;  // member, score, member, score, ...
    const std::vector<std::string> flat = keyspace::Strings(page->elements[1]);
    for (std::size_t i = 0; i < flat.size(); i += 2) members.push_back(flat[i]);
    if (auto job = FindJob(members, jid)) co_return std::optional<JobInfo>(JobFromJson(jid, *job, std::move(status)));
  } while (cursor != "0");
  co_return std::optional<JobInfo>();
}

SidekiqSource::Awaitable<std::optional<JobInfo>> SidekiqSource::FindInQueues(
    const std::string& jid) {
  auto listed = co_await redis().Command(QueuesCommand(keys_));
  if (!listed) co_return listed.error();
  for (const std::string& queue : keyspace::Strings(*listed)) {
    for (std::size_t start = 0; start < max_queue_scan_; start += kQueuePage) {
      auto page = co_await redis().Command(QueuePageCommand(keys_, queue, start, kQueuePage));
      if (!page) co_return page.error();
      const std::vector<std::string> entries = keyspace::Strings(*page);
      if (auto job = FindJob(entries, jid)) co_return std::optional<JobInfo>(JobFromJson(jid, *job, "enqueued"));
      if (entries.size() < kQueuePage) break;
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
