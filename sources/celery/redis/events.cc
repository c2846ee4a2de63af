// Event subscription -> EventStream.
#include "sources/celery/redis/events.h"

#include <spdlog/spdlog.h>

namespace queuemon::sources::celery::over_redis {

CeleryEvents::CeleryEvents(boost::asio::any_io_executor executor, const CeleryOptions& options,
                           const CeleryKeys& keys)
    : executor_(std::move(executor)), options_(options), pattern_(keys.EventsPattern()) {}

CeleryEvents::~CeleryEvents() { Stop(); }

void CeleryEvents::Start(std::shared_ptr<EventStream> shared) {
  if (subscriber_) return;
  std::weak_ptr<EventStream> stream = shared;
  const std::string source = options_.name;
  subscriber_ = std::make_unique<redis::RedisSubscriber>(
      executor_, options_.broker, std::vector<std::string>{pattern_},
      [stream](std::string_view, std::string_view payload) {
        if (auto s = stream.lock()) s->OnMessage(payload);  // malformed ones are counted there
      },
      [stream, source](bool up) {
        if (auto s = stream.lock()) s->OnSubscription(up);
        spdlog::info("celery[{}]: event subscription {}", source, up ? "up" : "down");
      });
  subscriber_->Start();
}

void CeleryEvents::Stop() {
  if (subscriber_) subscriber_->Stop();
}

}  // namespace queuemon::sources::celery::over_redis
