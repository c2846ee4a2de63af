#include "daemon/daemon.h"

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <spdlog/spdlog.h>

#include "api/api.h"
#include "api/cache_control.h"
#include "api/replica.h"
#include "api/source_views.h"
#include "api/status_line.h"
#include "api/view_service.h"
#include "base/clock.h"
#include "base/coarse_clock.h"
#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "config/auth_token_file.h"
#include "config/reload_plan.h"
#include "daemon/logging.h"
#include "daemon/periodic_task.h"
#include "daemon/readiness.h"
#include "daemon/signals.h"
#include "daemon/state_keeper.h"
#include "daemon/sweeper.h"
#include "daemon/systemd_notify.h"
#include "daemon/watchdog.h"
#include "http/metrics.h"
#include "http/server.h"

namespace queuemon::daemon {
namespace {

using namespace std::chrono_literals;
using sources::View;
using SteadyTime = std::chrono::steady_clock::time_point;

// The cache category of the health view, whose ttl paces the readiness refresh.
std::string HealthCategory() { return std::string(sources::SpecOf(View::kHealth).category); }

constexpr auto kMaintenancePeriod = 1s;
constexpr int kStatusEveryTicks = 10;  // STATUS= every 10 s
// The watchdog pings only while the maintenance tick ran this recently.
constexpr auto kMaxTickAge = 10s;
// After the drain: how long the io threads get to finish before the loop is stopped hard.
constexpr auto kJoinGrace = 5s;

int ThreadCount(int configured) {
  if (configured > 0) return configured;
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

struct Daemon::Impl {
  Impl(config::Config c, ConfigLoader l) : config(std::move(c)), loader(std::move(l)) {}

  void Build();
  void StartServing();
  void WarmUp();
  void WaitUntilStopped();
  void MaintenanceTick();
  std::string CurrentStatusLine(bool ready);
  void SendStatus(bool ready, bool as_ready_notification);
  void Reload();
  void Stop();
  void OnDrained();

  config::Config config;  // the running configuration; guarded by control_mu after start-up
  ConfigLoader loader;
  std::shared_ptr<spdlog::logger> log = ModuleLogger("daemon");
  SystemdNotifier notifier = SystemdNotifier::FromEnvironment();
  // The caches' TTLs are seconds: a tick-resolution clock read (a few ns) instead of a precise
  // one (25-50 ns, most of a cache hit's budget) on every request. See base/coarse_clock.h.
  base::CoarseSteadyClock clock;
  // Concurrency hint 1 when one thread runs the loop (http.threads == 1): the scheduler then
  // skips waking other threads. Posting from other threads stays safe.
  boost::asio::io_context ioc{config.http.threads == 1 ? 1 : BOOST_ASIO_CONCURRENCY_HINT_DEFAULT};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
  std::vector<std::unique_ptr<sources::Source>> data_sources;
  std::vector<std::unique_ptr<api::ViewService>> views;
  std::vector<api::ViewService*> view_list;
  std::vector<std::unique_ptr<api::Replica>> replicas;  // one per source with replication on
  std::unique_ptr<StateKeeper> state;  // null: no state directory
  http::HttpMetrics metrics;
  std::unique_ptr<api::Api> api;
  std::unique_ptr<http::HttpServer> server;
  std::unique_ptr<Sweeper> sweeper;
  std::unique_ptr<PeriodicTask> maintenance;
  std::unique_ptr<Watchdog> watchdog;
  std::unique_ptr<SignalHandler> signals;
  std::vector<std::thread> threads;

  base::Mutex control_mu;  // serializes Reload and Stop
  std::atomic<bool> stopping{false};
  std::atomic<bool> warmed_up{false};
  std::atomic<SteadyTime::rep> last_tick{SteadyTime::clock::now().time_since_epoch().count()};
  // Start-up thread until warmed_up is set, the maintenance strand after.
  std::unique_ptr<Readiness> readiness;
  int ticks = 0;          // maintenance strand only
  bool was_ready = false;  // maintenance strand only

  base::Mutex done_mu;
  base::CondVar done_cv;
  bool drained GUARDED_BY(done_mu) = false;
  int threads_running GUARDED_BY(done_mu) = 0;
};

void Daemon::Impl::Build() {
  const auto executor = ioc.get_executor();
  for (const config::SourceConfig& source : config.sources) {
    data_sources.push_back(source.options().MakeSource(executor, clock));
    views.push_back(std::make_unique<api::ViewService>(
        executor, *data_sources.back(), config.caches, clock, config.api.request_timeout,
        config.cache_events));
    views.back()->SetGzipMinBytes(config.api.gzip_min_bytes);
    view_list.push_back(views.back().get());
  }
  readiness = std::make_unique<Readiness>(view_list, clock);
  readiness->SetHealthTtl(config.caches.at(HealthCategory()).ttl);
  state = StateKeeper::FromConfig(config.state, view_list);
  if (state) state->Restore();  // before the server listens: restored entries answer at once
  if (config.replication.enabled()) {
    for (api::ViewService* view : view_list) {
      replicas.push_back(std::make_unique<api::Replica>(executor, *view, config.replication,
                                                        config.api.request_timeout));
    }
  }
  api = std::make_unique<api::Api>(view_list, metrics,
                              api::ApiOptions{config::LoadAuthToken(config.api.auth_token_file)});
  server = std::make_unique<http::HttpServer>(ioc, config.http, api->router(), metrics);
  server->SetAccessLog(config.log.access_log);
  server->Listen();  // throws with the address and reason: start-up fails before READY=1
  std::vector<Sweeper::Target> targets;
  for (api::ViewService* view : view_list) {
    targets.push_back([view](std::size_t batch) { return view->SweepExpired(batch); });
  }
  sweeper = std::make_unique<Sweeper>(executor, config.sweep, std::move(targets));
  maintenance = std::make_unique<PeriodicTask>(executor, kMaintenancePeriod,
                                               [this] { MaintenanceTick(); });
  signals = std::make_unique<SignalHandler>(executor, [this] { Stop(); }, [this] { Reload(); });
  if (const auto period = WatchdogPeriodFromEnvironment()) {
    watchdog = std::make_unique<Watchdog>(executor, notifier, *period, [this] {
      const SteadyTime tick{SteadyTime::duration(last_tick.load())};
      return std::chrono::steady_clock::now() - tick < kMaxTickAge;
    });
  }
}

void Daemon::Impl::StartServing() {
  for (auto& replica : replicas) replica->Start();  // before any load: loads go through it
  for (auto& source : data_sources) source->Start();
  server->Start();
  signals->Start();
  sweeper->Start();
  maintenance->Start(/*tick_now=*/false);
  if (watchdog) watchdog->Start();
  if (state) state->Start();
  const int count = ThreadCount(config.http.threads);
  {
    base::MutexLock lock(done_mu);
    threads_running = count;
  }
  for (int i = 0; i < count; ++i) {
    threads.emplace_back([this] {
      ioc.run();
      base::MutexLock lock(done_mu);
      --threads_running;
      done_cv.SignalAll();
    });
  }
  log->info("listening on {} (port {}), {} threads, {} source(s)", config.http.listen,
            server->port(), count, data_sources.size());
  for (const auto& source : config.sources) {
    log->info("source {}: {}", source.name(), source.options().Describe());
  }
}

// Loads every source's default views (api::ViewService::WarmUp, bounded by the deadline; a down
// broker fails fast) so that the first dashboards get HITs. The main thread waits on futures;
// the loads run on the io threads.
void Daemon::Impl::WarmUp() {
  const auto deadline = std::chrono::steady_clock::now() + config.startup.warmup_deadline;
  std::vector<std::future<bool>> loads;
  for (api::ViewService* view : view_list) {
    loads.push_back(boost::asio::co_spawn(ioc, view->WarmUp(deadline), boost::asio::use_future));
  }
  for (auto& load : loads) {
    try {
      load.get();
    } catch (const std::exception& e) {
      log->warn("warm-up failed: {}", e.what());
    }
  }
  std::string reason;
  const bool ready = readiness->Compute(reason);
  api->SetReady(ready, reason);
  was_ready = ready;
  warmed_up.store(true);  // publishes was_ready to the maintenance tick
  if (!ready) log->warn("started not ready: {}; retrying in the background", reason);
}

// The STATUS= line from every source's workers and queues views, read like a client would
// (source_views.h) but counted nowhere. Blocks: call it from a thread that runs no io_context.
std::string Daemon::Impl::CurrentStatusLine(bool ready) {
  auto read = boost::asio::co_spawn(ioc, api::ReadSourceViews(view_list, cache::Reader::kInternal),
                                    boost::asio::use_future);
  return api::StatusLine(read.get(), ready);
}

// STATUS= (or READY=1 with it) once the views are read, without blocking the loop thread.
void Daemon::Impl::SendStatus(bool ready, bool as_ready_notification) {
  boost::asio::co_spawn(
      ioc, api::ReadSourceViews(view_list, cache::Reader::kInternal),
      [this, ready, as_ready_notification](std::exception_ptr error,
                                           std::vector<api::SourceViews> views) {
        if (error) return;
        const std::string line = api::StatusLine(views, ready);
        if (as_ready_notification) {
          notifier.Ready(line);
        } else {
          notifier.Status(line);
        }
      });
}

// Every second on the loop: liveness stamp for the watchdog, readiness, retries while a
// source is down (single-flight, so at most one health collection per source in flight), and
// every 10 s a STATUS= line.
void Daemon::Impl::MaintenanceTick() {
  last_tick.store(std::chrono::steady_clock::now().time_since_epoch().count());
  if (!warmed_up.load() || stopping.load()) return;
  std::string reason;
  const bool ready = readiness->Compute(reason);
  if (ready != was_ready) {
    api->SetReady(ready, reason);
    if (ready) {
      log->info("ready: every source's broker is reachable");
      for (api::ViewService* view : view_list) {
        view->Rewarm();
      }
    } else {
      log->warn("not ready: {}", reason);
    }
    was_ready = ready;
  }
  readiness->Refresh();
  if (++ticks % kStatusEveryTicks == 0) SendStatus(ready, /*as_ready_notification=*/false);
}

void Daemon::Impl::Reload() {
  base::MutexLock lock(control_mu);
  if (stopping.load()) return;
  notifier.Reloading();
  log->info("reloading configuration");
  auto finish = [this] { SendStatus(api->ready(), /*as_ready_notification=*/true); };
  config::Config next;
  std::string token;
  try {
    // A small local file read on a loop thread, once per SIGHUP: acceptable.
    next = loader();
    if (const auto key = config::RestartOnlyChange(config, next)) {
      throw config::ConfigError(*key + ": changed, but it applies only at start-up (restart queuemond)");
    }
    token = config::LoadAuthToken(next.api.auth_token_file);
  } catch (const std::exception& e) {
    log->error("reload rejected, keeping the running configuration: {}", e.what());
    finish();
    return;
  }
  for (api::ViewService* view : view_list) {
    view->SetCacheOptions(next.caches);
    view->SetRequestTimeout(next.api.request_timeout);
    view->SetGzipMinBytes(next.api.gzip_min_bytes);
    view->control().SetRules(next.cache_events);
  }
  sweeper->SetOptions(next.sweep);
  readiness->SetHealthTtl(next.caches.at(HealthCategory()).ttl);
  api->SetAuthToken(std::move(token));
  ApplyLogLevel(next.log);
  server->SetAccessLog(next.log.access_log);
  config = std::move(next);
  log->info("configuration reloaded (log level {}, cached entries kept)", config.log.level);
  finish();
}

void Daemon::Impl::Stop() {
  base::MutexLock lock(control_mu);
  if (stopping.exchange(true)) return;
  notifier.Stopping("stopping: draining connections");
  log->info("stopping: draining connections (deadline {} ms)", config.http.drain_timeout.count());
  if (!server) {  // Run() has not built anything yet
    OnDrained();
    return;
  }
  api->SetReady(false, "shutting down");
  maintenance->Stop();
  sweeper->Stop();
  if (state) state->Stop();
  signals->Cancel();  // a second SIGTERM now takes the default action
  server->BeginShutdown([this] { OnDrained(); });
}

// On a loop thread, once the server has closed every connection (or the drain deadline hit).
void Daemon::Impl::OnDrained() {
  if (state) state->SaveNow();  // the last known data, for the next start
  for (auto& replica : replicas) replica->Stop();  // releases the lease: a follower takes over
  for (auto& source : data_sources) source->Stop();
  if (watchdog) watchdog->Stop();
  work.reset();  // the io threads return once the sources' work has wound down
  base::MutexLock lock(done_mu);
  drained = true;
  done_cv.SignalAll();
}

void Daemon::Impl::WaitUntilStopped() {
  {
    base::MutexLock lock(done_mu);
    while (!drained) done_cv.Wait(done_mu);
    const auto deadline = std::chrono::steady_clock::now() + kJoinGrace;
    bool in_time = true;
    while (threads_running != 0 && in_time) in_time = done_cv.WaitUntil(done_mu, deadline);
    if (threads_running != 0) {
      log->warn("io threads still busy {} s after the drain; stopping the loop",
                std::chrono::duration_cast<std::chrono::seconds>(kJoinGrace).count());
      ioc.stop();
    }
  }
  for (auto& thread : threads) thread.join();
  threads.clear();
}

Daemon::Daemon(config::Config config, ConfigLoader loader)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(loader))) {}

Daemon::~Daemon() {
  if (!impl_->threads.empty()) {  // Run() threw after starting threads
    impl_->ioc.stop();
    for (auto& thread : impl_->threads) thread.join();
  }
}

int Daemon::Run() {
  Impl& d = *impl_;
  d.Build();
  d.StartServing();
  d.WarmUp();
  if (!d.stopping.load()) {
    const std::string line = d.CurrentStatusLine(d.api->ready());
    d.notifier.Ready(line);
    d.log->info("started: {}", line);
  }
  d.WaitUntilStopped();
  d.log->info("stopped");
  return 0;
}

void Daemon::Reload() { impl_->Reload(); }

void Daemon::Stop() { impl_->Stop(); }

}  // namespace queuemon::daemon
