// Event subscription -> EventStream.
#include "sources/celery/redis/events.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace queuemon::sources::celery::over_redis {
namespace {

// The task metrics carry the source's name as their `source` label.
TaskEventsOptions WithSourceLabel(const CeleryOptions& options) {
  TaskEventsOptions out = options.task_events;
  out.metrics.source = options.name;
  return out;
}

// Runs until `stopped` (checked every period, so it ends one period after Stop) or until the
// stream is gone. The timer is the coroutine's own: nothing cancels it from another thread.
boost::asio::awaitable<void> CheckExpiriesPeriodically(std::weak_ptr<EventStream> stream,
                                                       std::shared_ptr<std::atomic<bool>> stopped) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  while (!stopped->load(std::memory_order_relaxed)) {
    timer.expires_after(CeleryEvents::kExpiryCheckPeriod);
    co_await timer.async_wait(boost::asio::use_awaitable);
    if (stopped->load(std::memory_order_relaxed)) break;
    const std::shared_ptr<EventStream> s = stream.lock();
    if (!s) break;
    s->CheckExpired();
  }
}

}  // namespace

CeleryEvents::CeleryEvents(boost::asio::any_io_executor executor, const CeleryOptions& options,
                           const CeleryKeys& keys, const base::Clock& clock)
    : stream_(std::make_shared<EventStream>(clock, WithSourceLabel(options),
                                            options.purge_offline_after, options.max_reply_bytes)),
      connected_(std::make_shared<std::atomic<bool>>(false)),
      stopped_(std::make_shared<std::atomic<bool>>(false)),
      executor_(executor) {
  std::weak_ptr<EventStream> stream = stream_;
  std::weak_ptr<std::atomic<bool>> connected = connected_;
  const std::string source = options.name;
  subscriber_ = std::make_unique<redis::RedisSubscriber>(
      std::move(executor), options.broker, std::vector<std::string>{keys.EventsPattern()},
      [stream](std::string_view, std::string_view payload) {
        if (auto s = stream.lock()) s->OnMessage(payload);  // malformed ones are counted there
      },
      [connected, stream, source](bool up) {
        if (auto c = connected.lock()) c->store(up, std::memory_order_relaxed);
        if (auto s = stream.lock()) s->OnSubscription(up);
        spdlog::info("celery[{}]: event subscription {}", source, up ? "up" : "down");
      });
}

CeleryEvents::~CeleryEvents() { Stop(); }

void CeleryEvents::Start() {
  if (started_) return;
  started_ = true;
  subscriber_->Start();
  boost::asio::co_spawn(executor_, CheckExpiriesPeriodically(stream_, stopped_),
                        boost::asio::detached);
}

void CeleryEvents::Stop() {
  stopped_->store(true, std::memory_order_relaxed);
  if (subscriber_) subscriber_->Stop();
}

}  // namespace queuemon::sources::celery::over_redis
