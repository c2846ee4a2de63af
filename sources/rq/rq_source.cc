// RqSource: RQ's keys read in a bounded number of pipelined rounds, assembled by rq_layout.
#include "sources/rq/rq_source.h"

#include "redis/url.h"
#include "sources/errors.h"
#include "sources/keyspace/replies.h"
#include "sources/keyspace/views.h"
#include "sources/rq/exception_text.h"
#include "sources/rq/rq_layout.h"

namespace queuemon::sources::rq {

using redis::RedisCommand;
using redis::RedisReply;

namespace {

// A pipeline's replies, or the transport error; a RESP error in the first reply (e.g. the
// wrong db, or ACL) fails the collection, later ones are read as missing data.
boost::system::result<std::vector<RedisReply>> Checked(
    boost::system::result<std::vector<RedisReply>> replies) {
  if (!replies) return replies.error();
  if (!replies->empty() && replies->front().is_error()) return MakeErrorCode(Errc::kProtocol);
  return replies;
}

}  // namespace

RqSource::RqSource(boost::asio::any_io_executor executor, const RqOptions& options,
                   const base::Clock& clock)
    : KeyspaceSource(std::move(executor), options.name, "rq", options.redis, clock) {}

RqSource::Awaitable<RqSource::Workers> RqSource::ReadWorkers() {
  auto listed = co_await redis().Command(WorkersCommand());
  if (!listed) co_return listed.error();
  if (listed->is_error()) co_return MakeErrorCode(Errc::kProtocol);
  const std::vector<std::string> keys = keyspace::Strings(*listed);
  std::vector<std::string> names;
  std::vector<RedisCommand> hashes;
  for (const std::string& key : keys) {
    std::string name = StripPrefix(key, kWorkerPrefix);
    if (name.empty()) continue;
    hashes.push_back(WorkerHashCommand(key));
    names.push_back(std::move(name));
  }
  std::vector<WorkerInfo> workers;
  if (!hashes.empty()) {
    auto replies = co_await redis().Pipeline(std::move(hashes));
    if (!replies) co_return replies.error();
    const double now = base::UnixNow();
    for (std::size_t i = 0; i < names.size(); ++i) {
      // Worker.all skips a listed worker whose hash expired (it died without saying so).
      if (auto w = WorkerFromHash(names[i], keyspace::Hash((*replies)[i]), now)) {
        workers.push_back(std::move(*w));
      }
    }
  }
  Workers out;
  for (const WorkerInfo& w : workers) {
    for (const std::string& id : w.current_jobs) {
      RunningJob job;
      job.id = id;
      job.worker = w.hostname;
      out.running.push_back(std::move(job));
    }
  }
  out.view = keyspace::BuildWorkersView(std::move(workers), base::UnixNow());
  co_return out;
}

RqSource::Awaitable<QueuesView> RqSource::ReadQueues() {
  auto listed = Checked(co_await redis().Pipeline(QueueListingCommands()));
  if (!listed) co_return listed.error();
  const bool suspended = keyspace::Integer((*listed)[1]).value_or(0) > 0;
  const std::vector<std::string> keys = keyspace::Strings((*listed)[0]);
  std::vector<std::string> names;
  std::vector<RedisCommand> commands;
  const double now = base::UnixNow();
  for (const std::string& key : keys) {
    std::string name = StripPrefix(key, kQueuePrefix);
    if (name.empty()) continue;
    for (RedisCommand& c : QueueCommands(name, now)) commands.push_back(std::move(c));
    names.push_back(std::move(name));
  }
  std::vector<QueueInfo> queues;
  std::vector<RedisCommand> heads;
  std::vector<std::size_t> with_head;  // queue index of each head command
  if (!commands.empty()) {
    auto replies = co_await redis().Pipeline(std::move(commands));
    if (!replies) co_return replies.error();
    for (std::size_t i = 0; i < names.size(); ++i) {
      std::string head;
      queues.push_back(QueueFromReplies(names[i], &(*replies)[i * kCommandsPerQueue], head));
      if (head.empty()) continue;
      heads.push_back(HeadEnqueuedCommand(head));
      with_head.push_back(i);
    }
  }
  std::vector<std::optional<double>> enqueued(queues.size());
  if (!heads.empty()) {
    auto replies = co_await redis().Pipeline(std::move(heads));
    if (!replies) co_return replies.error();
    for (std::size_t h = 0; h < with_head.size(); ++h) {
      const auto text = keyspace::Text((*replies)[h]);
      if (text) enqueued[with_head[h]] = keyspace::ParseUtcIso(*text);
    }
  }
  co_return BuildQueuesView(std::move(queues), enqueued, suspended, base::UnixNow());
}

// The running jobs' name, queue and start, one HMGET each.
RqSource::Awaitable<std::vector<RunningJob>> RqSource::CompleteRunning(std::vector<RunningJob> running) {
  std::vector<RedisCommand> commands;
  for (const RunningJob& job : running) commands.push_back(RunningJobCommand(job.id));
  if (commands.empty()) co_return running;
  auto replies = co_await redis().Pipeline(std::move(commands));
  if (!replies) co_return replies.error();
  for (std::size_t i = 0; i < running.size(); ++i) {
    const RedisReply& r = (*replies)[i];
    if (r.type != RedisReply::Type::kArray || r.elements.size() != 3) continue;
    running[i].name = std::string(keyspace::Text(r.elements[0]).value_or(""));
    running[i].queue = std::string(keyspace::Text(r.elements[1]).value_or(""));
    if (const auto started = keyspace::Text(r.elements[2])) {
      running[i].started_at = keyspace::ParseUtcIso(*started);
    }
  }
  co_return running;
}

RqSource::Awaitable<JobInfo> RqSource::ReadJob(const std::string& id) {
  auto replies = Checked(co_await redis().Pipeline(JobCommands(id)));
  if (!replies) co_return replies.error();
  JobInfo job = JobFromFields(id, (*replies)[0]);
  if (job.found && job.status == "failed") job.exception = ExceptionOfJob((*replies)[0], (*replies)[1]);
  co_return job;
}

std::unique_ptr<SourceOptions> RqOptions::Clone() const { return std::make_unique<RqOptions>(*this); }

std::unique_ptr<Source> RqOptions::MakeSource(boost::asio::any_io_executor executor,
                                              const base::Clock& clock) const {
  return std::make_unique<RqSource>(std::move(executor), *this, clock);
}

std::string RqOptions::Describe() const { return "redis " + redis::RedactRedisUrl(redis.url); }

}  // namespace queuemon::sources::rq
