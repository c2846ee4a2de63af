// Event subscription -> EventStream.
#include "sources/celery/redis/events.h"

#include <spdlog/spdlog.h>

namespace queuemon::sources::celery::over_redis {
namespace {

// The task metrics carry the source's name as their `source` label.
TaskEventsOptions WithSourceLabel(const CeleryOptions& options) {
  TaskEventsOptions out = options.task_events;
  out.metrics.source = options.name;
  return out;
}

}  // namespace

CeleryEvents::CeleryEvents(boost::asio::any_io_executor executor, const CeleryOptions& options,
                           const CeleryKeys& keys, const base::Clock& clock)
    : stream_(std::make_shared<EventStream>(clock, WithSourceLabel(options),
                                            options.purge_offline_after, options.max_reply_bytes)),
      connected_(std::make_shared<std::atomic<bool>>(false)) {
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
}

void CeleryEvents::Stop() {
  if (subscriber_) subscriber_->Stop();
}

}  // namespace queuemon::sources::celery::over_redis
