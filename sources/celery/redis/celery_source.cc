// CelerySource: wiring of inspector, queues, results and events into views.
#include "sources/celery/redis/celery_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "redis/link_monitor.h"
#include "redis/errors.h"
#include "sources/errors.h"
#include "redis/url.h"
#include "sources/celery/view_families.h"

namespace queuemon::sources::celery::over_redis {
namespace {

int DbOrThrow(const std::string& url) {
  auto db = RedisDbFromUrl(url);
  if (!db) throw std::invalid_argument("celery: bad broker url (db): " + redis::RedactRedisUrl(url));
  return *db;
}

// Built outside the coroutines: g++ 12 mis-compiles braced string literals inside them.
template <typename... Names>
std::vector<InspectMethod> Methods(Names... names) {
  std::vector<InspectMethod> methods;
  (methods.push_back(InspectMethod{std::string(names), "{}"}), ...);
  return methods;
}

}  // namespace

CelerySource::CelerySource(boost::asio::any_io_executor executor, CeleryOptions options,
                                 const base::Clock& clock)
    : options_(WithLinkMonitors(std::move(options))),
      style_{options_.task_events.metrics.prefix,
             FormatStaticLabels(options_.task_events.metrics.static_labels)},
      clock_(clock),
      keys_(options_, DbOrThrow(options_.broker.url)),
      commands_(executor, options_.broker),
      backend_(options_.result_backend.url.empty() ||
                       options_.result_backend.url == options_.broker.url
                   ? nullptr
                   : std::make_unique<redis::RedisConnection>(executor, options_.result_backend)),
      events_(executor, options_, keys_, clock_),
      inspector_(executor, options_, keys_, commands_),
      queues_(options_, keys_, commands_, clock_),
      results_(backend_ ? *backend_ : commands_) {}

CelerySource::~CelerySource() { Stop(); }

CeleryOptions CelerySource::WithLinkMonitors(CeleryOptions options) {
  if (!options.broker.monitor) {
    options.broker.monitor = std::make_shared<redis::BrokerLinkMonitor>(
        "celery[" + options.name + "] broker", options.broker.url);
  }
  const bool separate_backend =
      !options.result_backend.url.empty() && options.result_backend.url != options.broker.url;
  if (separate_backend && !options.result_backend.monitor) {
    options.result_backend.monitor = std::make_shared<redis::BrokerLinkMonitor>(
        "celery[" + options.name + "] result backend", options.result_backend.url);
  }
  return options;
}

void CelerySource::Start() { events_.Start(); }

void CelerySource::Stop() {
  if (stopped_.exchange(true)) return;
  events_.Stop();
  inspector_.Close();
  commands_.Close();
  if (backend_) backend_->Close();
}

SourceStats CelerySource::Stats() const {
  SourceStats out = counters_.Snapshot();
  out.worker_requests = inspector_.broadcasts();
  out.workers_online = events_.table().OnlineCount();
  const EventStream& stream = events_.stream();
  const EventCounts events = stream.counts();
  out.events_received = events.received;
  out.events_malformed = events.malformed;
  out.event_subscription_resets = events.subscription_resets;
  out.malformed_replies = malformed_.load(std::memory_order_relaxed) + events.malformed;
  out.task_names_overflowed = stream.metrics().overflowed();
  out.task_metric_series = stream.metrics().series();
  out.task_table_tasks = stream.tasks().size();
  out.task_table_bytes = stream.tasks().bytes();
  out.task_table_evictions = stream.tasks().evictions();
  for (const auto* redis : {&options_.broker, &options_.result_backend}) {
    if (!redis->monitor) continue;
    const redis::BrokerLinkStats links = redis->monitor->Stats();
    out.broker_connect_failures += links.connect_failures;
    out.broker_disconnects += links.disconnects;
    out.broker_reconnects += links.reconnects;
    out.broker_backoff_seconds = std::max(out.broker_backoff_seconds, links.backoff_seconds);
  }
  return out;
}

MetricStyle CelerySource::Style() const { return style_; }

std::shared_ptr<const std::vector<MetricFamily>> CelerySource::Families() {
  return events_.stream().metrics().Families();
}

std::vector<MetricFamily> CelerySource::ViewFamilies(const WorkersView* workers,
                                                     const QueuesView* queues) const {
  return CeleryViewFamilies(options_.name, style_, workers, queues);
}

void CelerySource::SetChangeListener(ChangeListener listener) {
  events_.stream().SetChangeListener(std::move(listener));
}

boost::asio::awaitable<CelerySource::Result> CelerySource::Collect(ViewRequest request) {
  if (stopped_) co_return MakeErrorCode(Errc::kShuttingDown);
  const auto start = clock_.Now();
  Result result = co_await CollectView(request);
  counters_.RecordCollection(request.view, result,
                             std::chrono::duration<double>(clock_.Now() - start).count(),
                             redis::IsBrokerDown);
  if (!result) {
    spdlog::debug("celery[{}]: {} failed: {}", options_.name,
                  ViewKey(request.view, request.argument), result.error().message());
  }
  co_return result;
}

boost::asio::awaitable<CelerySource::Result> CelerySource::CollectView(
    const ViewRequest& request) {
  switch (request.view) {
    case View::kWorkers:
      co_return co_await Workers();
    case View::kQueues:
      co_return co_await Queues();
    case View::kTasks:
      co_return co_await Tasks();
    case View::kTask:
      co_return co_await Task(request.argument);
    case View::kRecentTasks:
      co_return RecentTasks(request.argument);
    case View::kTaskStats:
      co_return TaskStats();
    case View::kSummary:
      co_return co_await Summary();
    case View::kHealth:
      co_return co_await Health();
  }
  co_return MakeErrorCode(Errc::kNotFound);
}

// A worker that just announced worker-offline may still hold its pidbox subscription: the
// round need not wait for it once every worker known alive (by events, or by replying last
// time) has replied. Without a recent departure the round waits for every receiver.
RoundHints CelerySource::HintsForRound() const {
  RoundHints hints;
  hints.departed = events_.table().DepartedWithin(kDepartureGrace);
  if (hints.departed.empty()) return hints;
  hints.awaited = events_.table().OnlineHostnames();
  {
    base::MutexLock lock(repliers_mu_);
    hints.awaited.insert(last_repliers_.begin(), last_repliers_.end());
  }
  for (const std::string& gone : hints.departed) hints.awaited.erase(gone);
  return hints;
}

// A complete round says who answers now; an incomplete one (a deadline, or the hints) only
// adds to what was known, so a worker it missed stays awaited next time.
void CelerySource::RememberRepliers(const ParsedReplies& replies, bool complete) {
  std::set<std::string> repliers;
  for (const auto& [name, _] : replies.stats) repliers.insert(name);
  for (const auto& [name, _] : replies.queues) repliers.insert(name);
  for (const auto& [name, _] : replies.tasks) repliers.insert(name);
  repliers.insert(replies.pong.begin(), replies.pong.end());
  base::MutexLock lock(repliers_mu_);
  if (complete) {
    last_repliers_ = std::move(repliers);
  } else {
    last_repliers_.insert(repliers.begin(), repliers.end());
  }
}

boost::asio::awaitable<boost::system::result<ParsedReplies>> CelerySource::Inspect(
    std::vector<InspectMethod> methods) {
  auto round = co_await inspector_.Round(std::move(methods), {}, HintsForRound());
  if (!round) co_return round.error();
  ParsedReplies parsed = ParseReplies(round->bodies);
  RememberRepliers(parsed, round->complete);
  const std::uint64_t bad = parsed.malformed + round->malformed;
  if (bad > 0) {
    malformed_.fetch_add(bad, std::memory_order_relaxed);
    spdlog::warn("celery[{}]: skipped {} malformed worker replies", options_.name, bad);
  }
  if (!round->complete) {
    spdlog::debug("celery[{}]: inspect round ended at its deadline with replies missing",
                  options_.name);
  }
  co_return parsed;
}

boost::asio::awaitable<CelerySource::Result> CelerySource::Workers() {
  auto replies = co_await Inspect(Methods("stats", "active_queues"));
  if (!replies) co_return replies.error();
  co_return MakeCollected(BuildWorkersView(events_.table().Workers(), *replies, base::UnixNow()));
}

boost::asio::awaitable<CelerySource::Result> CelerySource::Queues() {
  auto replies = co_await Inspect(Methods("active_queues"));
  if (!replies) co_return replies.error();
  auto queues = co_await queues_.Collect(ConsumedQueues(*replies));
  if (!queues) co_return queues.error();
  queues->timestamp = base::UnixNow();
  AddConsumers(*replies, *queues);
  co_return MakeCollected(std::move(*queues));
}

boost::asio::awaitable<CelerySource::Result> CelerySource::Tasks() {
  auto replies = co_await Inspect(Methods("active", "reserved", "scheduled"));
  if (!replies) co_return replies.error();
  co_return MakeCollected(BuildTasksView(*replies, base::UnixNow()));
}

boost::asio::awaitable<CelerySource::Result> CelerySource::Task(const std::string& task_id) {
  auto result = co_await results_.Lookup(task_id);  // checks the id (kInvalidArgument)
  if (!result) co_return result.error();
  if (result->state == "PENDING") {
    // Nothing in the backend yet: the events may know better (RECEIVED or STARTED on a worker).
    if (const auto live = events_.stream().tasks().Find(task_id)) {
      result->state = live->state;
      if (!live->worker.empty()) result->worker = live->worker;
    }
  }
  co_return MakeCollected(std::move(*result));
}

CelerySource::Result CelerySource::RecentTasks(const std::string& canonical_query) const {
  const std::optional<TaskQuery> query = TaskQueryFromCanonical(canonical_query);
  if (!query) return MakeErrorCode(Errc::kInvalidArgument);
  return MakeCollected(events_.stream().tasks().Recent(*query, base::UnixNow()));
}

CelerySource::Result CelerySource::TaskStats() const {
  return MakeCollected(events_.stream().tasks().Stats(base::UnixNow()));
}

boost::asio::awaitable<CelerySource::Result> CelerySource::Summary() {
  auto replies =
      co_await Inspect(Methods("stats", "active_queues", "active", "reserved", "scheduled"));
  if (!replies) co_return replies.error();
  auto queues = co_await queues_.Collect(ConsumedQueues(*replies));
  if (!queues) co_return queues.error();
  const double now = base::UnixNow();
  const WorkersView workers = BuildWorkersView(events_.table().Workers(), *replies, now);
  co_return MakeCollected(BuildSummaryView(workers, BuildTasksView(*replies, now), *queues, now));
}

boost::asio::awaitable<CelerySource::Result> CelerySource::Health() {
  const auto start = std::chrono::steady_clock::now();
  redis::RedisCommand ping;
  ping.emplace_back("PING");
  auto pong = co_await commands_.Command(std::move(ping));
  const double rtt_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const bool reachable = pong.has_value() && !pong->is_error();
  std::int64_t answering = 0;
  if (reachable) {
    auto replies = co_await Inspect(Methods("ping"));
    if (replies) answering = std::ssize(replies->pong);
  }
  const auto online = static_cast<std::int64_t>(events_.table().OnlineCount());
  co_return MakeCollected(
      BuildHealthView(reachable, reachable ? rtt_ms : 0, answering, online, base::UnixNow()));
}

std::unique_ptr<SourceOptions> CeleryOptions::Clone() const {
  return std::make_unique<CeleryOptions>(*this);
}

std::unique_ptr<Source> CeleryOptions::MakeSource(boost::asio::any_io_executor executor,
                                                  const base::Clock& clock) const {
  return std::make_unique<CelerySource>(std::move(executor), *this, clock);
}

std::string CeleryOptions::Describe() const {
  return "broker " + redis::RedactRedisUrl(broker.url);
}

}  // namespace queuemon::sources::celery::over_redis
