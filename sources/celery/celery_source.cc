// CelerySource: the event stream and the views over a CeleryTransport.
#include "sources/celery/celery_source.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "sources/celery/view_families.h"
#include "sources/errors.h"

namespace queuemon::sources::celery {
namespace {

// The task metrics carry the source's name as their `source` label.
TaskEventsOptions WithSourceLabel(const CelerySettings& settings) {
  TaskEventsOptions out = settings.task_events;
  out.metrics.source = settings.name;
  return out;
}

// Built outside the coroutines: g++ 12 mis-compiles braced string literals inside them.
template <typename... Names>
std::vector<InspectMethod> Methods(Names... names) {
  std::vector<InspectMethod> methods;
  (methods.push_back(InspectMethod{std::string(names), "{}"}), ...);
  return methods;
}

// Runs until `stopped` (checked every period, so it ends one period after Stop) or until the
// stream is gone. The timer is the coroutine's own: nothing cancels it from another thread.
boost::asio::awaitable<void> CheckExpiriesPeriodically(std::weak_ptr<EventStream> stream,
                                                       std::shared_ptr<std::atomic<bool>> stopped) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  while (!stopped->load(std::memory_order_relaxed)) {
    timer.expires_after(CelerySource::kExpiryCheckPeriod);
    co_await timer.async_wait(boost::asio::use_awaitable);
    if (stopped->load(std::memory_order_relaxed)) break;
    const std::shared_ptr<EventStream> s = stream.lock();
    if (!s) break;
    s->CheckExpired();
  }
}

}  // namespace

CelerySource::CelerySource(boost::asio::any_io_executor executor, CelerySettings settings,
                           std::unique_ptr<CeleryTransport> transport, const base::Clock& clock)
    : settings_(std::move(settings)),
      style_{settings_.task_events.metrics.prefix,
             FormatStaticLabels(settings_.task_events.metrics.static_labels)},
      clock_(clock),
      executor_(std::move(executor)),
      stream_(std::make_shared<EventStream>(clock, WithSourceLabel(settings_),
                                            settings_.purge_offline_after,
                                            settings_.max_reply_bytes)),
      stopped_(std::make_shared<std::atomic<bool>>(false)),
      transport_(std::move(transport)) {}

CelerySource::~CelerySource() { CelerySource::Stop(); }

void CelerySource::Start() {
  if (started_) return;
  started_ = true;
  transport_->Start(stream_);
  boost::asio::co_spawn(executor_, CheckExpiriesPeriodically(stream_, stopped_),
                        boost::asio::detached);
}

void CelerySource::Stop() {
  if (stopped_->exchange(true)) return;
  transport_->Stop();
}

SourceStats CelerySource::Stats() const {
  SourceStats out = counters_.Snapshot();
  out.workers_online = stream_->workers().OnlineCount();
  const EventCounts events = stream_->counts();
  out.events_received = events.received;
  out.events_malformed = events.malformed;
  out.event_subscription_resets = events.subscription_resets;
  out.malformed_replies = malformed_.load(std::memory_order_relaxed) + events.malformed;
  out.task_names_overflowed = stream_->metrics().overflowed();
  out.task_metric_series = stream_->metrics().series();
  out.task_table_tasks = stream_->tasks().size();
  out.task_table_bytes = stream_->tasks().bytes();
  out.task_table_evictions = stream_->tasks().evictions();
  transport_->AddStats(out);
  return out;
}

std::shared_ptr<const std::vector<MetricFamily>> CelerySource::Families() {
  return stream_->metrics().Families();
}

std::vector<MetricFamily> CelerySource::ViewFamilies(const WorkersView* workers,
                                                     const QueuesView* queues) const {
  return CeleryViewFamilies(settings_.name, style_, workers, queues);
}

void CelerySource::SetChangeListener(ChangeListener listener) {
  stream_->SetChangeListener(std::move(listener));
}

boost::asio::awaitable<CelerySource::Result> CelerySource::Collect(ViewRequest request) {
  if (stopped_->load(std::memory_order_relaxed)) co_return MakeErrorCode(Errc::kShuttingDown);
  const auto start = clock_.Now();
  Result result = co_await CollectView(request);
  const CeleryTransport& transport = *transport_;
  counters_.RecordCollection(
      request.view, result, std::chrono::duration<double>(clock_.Now() - start).count(),
      [&transport](const boost::system::error_code& ec) { return transport.IsBrokerDown(ec); });
  if (!result) {
    spdlog::debug("celery[{}]: {} failed: {}", settings_.name,
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

// Awaited: every worker online by its heartbeats, and every worker that replied last time
// unless the worker table knows it offline now (its heartbeats stopped, or it said goodbye): a
// worker killed without worker-offline must not be waited for at every round forever.
RoundHints CelerySource::HintsForRound() const {
  const WorkerTable& table = stream_->workers();
  RoundHints hints;
  hints.departed = table.DepartedWithin(kDepartureGrace);
  hints.awaited = table.OnlineHostnames();
  const std::set<std::string> offline = table.OfflineHostnames();
  {
    base::MutexLock lock(repliers_mu_);
    for (const std::string& replier : last_repliers_) {
      if (!offline.contains(replier)) hints.awaited.insert(replier);
    }
  }
  for (const std::string& gone : hints.departed) hints.awaited.erase(gone);
  return hints;
}

// A complete round says who answers now; an incomplete one (a deadline, or the hints) adds its
// repliers to those known before that are still online, so a live worker it missed stays
// awaited next time and a dead one does not.
void CelerySource::RememberRepliers(const ParsedReplies& replies, bool complete) {
  std::set<std::string> repliers;
  for (const auto& [name, _] : replies.stats) repliers.insert(name);
  for (const auto& [name, _] : replies.queues) repliers.insert(name);
  for (const auto& [name, _] : replies.tasks) repliers.insert(name);
  repliers.insert(replies.pong.begin(), replies.pong.end());
  const std::set<std::string> online = complete ? std::set<std::string>()
                                                : stream_->workers().OnlineHostnames();
  base::MutexLock lock(repliers_mu_);
  if (!complete) {
    for (const std::string& known : last_repliers_) {
      if (online.contains(known)) repliers.insert(known);
    }
  }
  last_repliers_ = std::move(repliers);
}

boost::asio::awaitable<boost::system::result<ParsedReplies>> CelerySource::Inspect(
    std::vector<InspectMethod> methods) {
  RoundHints hints = HintsForRound();
  auto round = co_await transport_->Round(std::move(methods), std::move(hints));
  if (!round) co_return round.error();
  ParsedReplies parsed = ParseReplies(round->bodies);
  RememberRepliers(parsed, round->complete);
  const std::uint64_t bad = parsed.malformed + round->malformed;
  if (bad > 0) {
    malformed_.fetch_add(bad, std::memory_order_relaxed);
    spdlog::warn("celery[{}]: skipped {} malformed worker replies", settings_.name, bad);
  }
  if (!round->complete) {
    spdlog::debug("celery[{}]: inspect round ended at its deadline with replies missing",
                  settings_.name);
  }
  co_return parsed;
}

boost::asio::awaitable<boost::system::result<QueuesView>> CelerySource::ReadQueues(
    const ParsedReplies& replies) {
  auto queues = co_await transport_->Queues(ConsumedQueues(replies));
  if (!queues) co_return queues.error();
  queues->timestamp = base::UnixNow();
  if (!transport_->CountsConsumers()) AddConsumers(replies, *queues);
  co_return queues;
}

boost::asio::awaitable<CelerySource::Result> CelerySource::Workers() {
  auto replies = co_await Inspect(Methods("stats", "active_queues"));
  if (!replies) co_return replies.error();
  co_return MakeCollected(BuildWorkersView(stream_->workers().Workers(), *replies, base::UnixNow()));
}

boost::asio::awaitable<CelerySource::Result> CelerySource::Queues() {
  auto replies = co_await Inspect(Methods("active_queues"));
  if (!replies) co_return replies.error();
  auto queues = co_await ReadQueues(*replies);
  if (!queues) co_return queues.error();
  co_return MakeCollected(std::move(*queues));
}

boost::asio::awaitable<CelerySource::Result> CelerySource::Tasks() {
  auto replies = co_await Inspect(Methods("active", "reserved", "scheduled"));
  if (!replies) co_return replies.error();
  co_return MakeCollected(BuildTasksView(*replies, base::UnixNow()));
}

boost::asio::awaitable<CelerySource::Result> CelerySource::Task(const std::string& task_id) {
  auto result = co_await transport_->Lookup(task_id);  // checks the id (kInvalidArgument)
  if (!result) co_return result.error();
  if (result->state == "PENDING") {
    // Nothing in the backend yet: the events may know better (RECEIVED or STARTED on a worker).
    if (const auto live = stream_->tasks().Find(task_id)) {
      result->state = live->state;
      if (!live->worker.empty()) result->worker = live->worker;
    }
  }
  co_return MakeCollected(std::move(*result));
}

CelerySource::Result CelerySource::RecentTasks(const std::string& canonical_query) const {
  const std::optional<TaskQuery> query = TaskQueryFromCanonical(canonical_query);
  if (!query) return MakeErrorCode(Errc::kInvalidArgument);
  return MakeCollected(stream_->tasks().Recent(*query, base::UnixNow()));
}

CelerySource::Result CelerySource::TaskStats() const {
  return MakeCollected(stream_->tasks().Stats(base::UnixNow()));
}

boost::asio::awaitable<CelerySource::Result> CelerySource::Summary() {
  auto replies =
      co_await Inspect(Methods("stats", "active_queues", "active", "reserved", "scheduled"));
  if (!replies) co_return replies.error();
  auto queues = co_await ReadQueues(*replies);
  if (!queues) co_return queues.error();
  const double now = base::UnixNow();
  const WorkersView workers = BuildWorkersView(stream_->workers().Workers(), *replies, now);
  co_return MakeCollected(BuildSummaryView(workers, BuildTasksView(*replies, now), *queues, now));
}

boost::asio::awaitable<CelerySource::Result> CelerySource::Health() {
  const auto start = std::chrono::steady_clock::now();
  const auto pong = co_await transport_->PingBroker();
  const double rtt_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const bool reachable = pong.has_value();
  std::int64_t answering = 0;
  if (reachable) {
    auto replies = co_await Inspect(Methods("ping"));
    if (replies) answering = std::ssize(replies->pong);
  }
  const auto online = static_cast<std::int64_t>(stream_->workers().OnlineCount());
  co_return MakeCollected(
      BuildHealthView(reachable, reachable ? rtt_ms : 0, answering, online, base::UnixNow()));
}

}  // namespace queuemon::sources::celery
