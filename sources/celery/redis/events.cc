// Event subscription -> WorkerTable.
#include "sources/celery/redis/events.h"

#include <spdlog/spdlog.h>

namespace queuemon::sources::celery::over_redis {

CeleryEvents::CeleryEvents(boost::asio::any_io_executor executor, const CeleryOptions& options,
                           const CeleryKeys& keys, const base::Clock& clock)
    : table_(std::make_shared<WorkerTable>(clock, options.purge_offline_after,
                                           options.max_reply_bytes)),
      connected_(std::make_shared<std::atomic<bool>>(false)) {
  std::weak_ptr<WorkerTable> table = table_;
  std::weak_ptr<std::atomic<bool>> connected = connected_;
  const std::string source = options.name;
  subscriber_ = std::make_unique<redis::RedisSubscriber>(
      std::move(executor), options.broker, std::vector<std::string>{keys.EventsPattern()},
      [table](std::string_view, std::string_view payload) {
        if (auto t = table.lock()) t->OnMessage(payload);  // malformed ones are counted there
      },
      [connected, source](bool up) {
        if (auto c = connected.lock()) c->store(up, std::memory_order_relaxed);
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
