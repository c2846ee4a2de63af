#include "sources/keyspace/keyspace_source.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

#include "redis/errors.h"
#include "redis/link_monitor.h"
#include "redis/url.h"
#include "sources/errors.h"
#include "sources/keyspace/views.h"

namespace queuemon::sources::keyspace {
namespace {

redis::RedisOptions WithMonitor(redis::RedisOptions options, const std::string& link_name) {
  if (!redis::ParseRedisUrl(options.url)) {
    throw std::invalid_argument(link_name + ": bad url " + redis::RedactRedisUrl(options.url));
  }
  if (!options.monitor) {
    options.monitor = std::make_shared<redis::BrokerLinkMonitor>(link_name, options.url);
  }
  return options;
}

HealthView BuildHealth(bool reachable, double rtt_ms, std::int64_t online, double now) {
  HealthView h;
  h.timestamp = now;
  h.broker_reachable = reachable;
  h.broker_rtt_ms = rtt_ms;
  // A worker of these kinds answers by keeping its heartbeat key alive in Redis.
  h.workers_answering = online;
  h.workers_online = online;
  h.status = !reachable ? "unhealthy" : online > 0 ? "healthy" : "degraded";
  return h;
}

redis::RedisCommand PingCommand() { return {"PING"}; }

}  // namespace

KeyspaceSource::KeyspaceSource(boost::asio::any_io_executor executor, std::string name,
                               std::string kind, redis::RedisOptions redis,
                               const base::Clock& clock)
    : name_(std::move(name)),
      kind_(std::move(kind)),
      options_(WithMonitor(std::move(redis), kind_ + "[" + name_ + "] broker")),
      clock_(clock),
      redis_(std::move(executor), options_) {}

KeyspaceSource::~KeyspaceSource() { Stop(); }

void KeyspaceSource::Stop() {
  if (stopped_.exchange(true)) return;
  redis_.Close();
}

SourceStats KeyspaceSource::Stats() const {
  SourceStats out = counters_.Snapshot();
  const redis::BrokerLinkStats links = options_.monitor->Stats();
  out.broker_connect_failures = links.connect_failures;
  out.broker_disconnects = links.disconnects;
  out.broker_reconnects = links.reconnects;
  out.broker_backoff_seconds = links.backoff_seconds;
  return out;
}

boost::asio::awaitable<KeyspaceSource::Result> KeyspaceSource::Collect(ViewRequest request) {
  if (stopped_) co_return MakeErrorCode(Errc::kShuttingDown);
  const auto start = clock_.Now();
  // Not `?:` with a co_await in each branch: g++ 12 destroys the unused temporary twice.
  Result result = MakeErrorCode(Errc::kNotFound);
  if (request.view == View::kHealth) {
    result = co_await Health();
  } else {
    result = co_await CollectView(request);
  }
  counters_.RecordCollection(request.view, result,
                             std::chrono::duration<double>(clock_.Now() - start).count(),
                             redis::IsBrokerDown);
  if (!result) {
    spdlog::debug("{}[{}]: {} failed: {}", kind_, name_, ViewKey(request.view, request.argument),
                  result.error().message());
  }
  co_return result;
}

boost::asio::awaitable<KeyspaceSource::Result> KeyspaceSource::CollectView(
    const ViewRequest& request) {
  switch (request.view) {
    case View::kWorkers: {
      auto workers = co_await ReadWorkersNoted();
      if (!workers) co_return workers.error();
      co_return MakeCollected(std::move(workers->view));
    }
    case View::kQueues: {
      auto queues = co_await ReadQueues();
      if (!queues) co_return queues.error();
      co_return MakeCollected(std::move(*queues));
    }
    case View::kTasks:
      co_return co_await Jobs();
    case View::kTask: {
      if (!ValidTaskId(request.argument)) co_return MakeErrorCode(Errc::kInvalidArgument);
      auto job = co_await ReadJob(request.argument);
      if (!job) co_return job.error();
      co_return MakeCollected(std::move(*job));
    }
    case View::kSummary:
      co_return co_await Summary();
    default:  // recent, task_stats: Celery's task events have no counterpart
      co_return MakeErrorCode(Errc::kNotFound);
  }
}

// Every workers read notes how many are alive (SourceStats::workers_online).
KeyspaceSource::Awaitable<KeyspaceSource::Workers> KeyspaceSource::ReadWorkersNoted() {
  auto workers = co_await ReadWorkers();
  if (workers) counters_.SetWorkersOnline(static_cast<std::size_t>(workers->view.online));
  co_return workers;
}

boost::asio::awaitable<KeyspaceSource::Result> KeyspaceSource::Jobs() {
  auto workers = co_await ReadWorkersNoted();
  if (!workers) co_return workers.error();
  auto queues = co_await ReadQueues();
  if (!queues) co_return queues.error();
  auto running = co_await CompleteRunning(std::move(workers->running));
  if (!running) co_return running.error();
  co_return MakeCollected(BuildJobsView(*queues, std::move(*running), base::UnixNow()));
}

boost::asio::awaitable<KeyspaceSource::Result> KeyspaceSource::Summary() {
  auto workers = co_await ReadWorkersNoted();
  if (!workers) co_return workers.error();
  auto queues = co_await ReadQueues();
  if (!queues) co_return queues.error();
  co_return MakeCollected(BuildSummaryView(workers->view, *queues, base::UnixNow()));
}

boost::asio::awaitable<KeyspaceSource::Result> KeyspaceSource::Health() {
  const auto start = std::chrono::steady_clock::now();
  auto pong = co_await redis_.Command(PingCommand());
  const double rtt_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const bool reachable = pong.has_value() && !pong->is_error();
  std::int64_t online = 0;
  if (reachable) {
    if (auto workers = co_await ReadWorkersNoted()) online = workers->view.online;
  }
  co_return MakeCollected(BuildHealth(reachable, reachable ? rtt_ms : 0, online, base::UnixNow()));
}

}  // namespace queuemon::sources::keyspace
