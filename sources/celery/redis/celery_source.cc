// RedisTransport: inspector, queues, results and events over Redis.
#include "sources/celery/redis/celery_source.h"

#include <algorithm>
#include <stdexcept>

#include "redis/errors.h"
#include "redis/link_monitor.h"
#include "redis/url.h"

namespace queuemon::sources::celery::over_redis {
namespace {

int DbOrThrow(const std::string& url) {
  auto db = RedisDbFromUrl(url);
  if (!db) throw std::invalid_argument("celery: bad broker url (db): " + redis::RedactRedisUrl(url));
  return *db;
}

redis::RedisCommand Ping() {
  redis::RedisCommand ping;
  ping.emplace_back("PING");
  return ping;
}

}  // namespace

RedisTransport::RedisTransport(boost::asio::any_io_executor executor, CeleryOptions options,
                               const base::Clock& clock)
    : options_(WithLinkMonitors(std::move(options))),
      keys_(options_, DbOrThrow(options_.broker.url)),
      commands_(executor, options_.broker),
      backend_(options_.result_backend.url.empty() ||
                       options_.result_backend.url == options_.broker.url
                   ? nullptr
                   : std::make_unique<redis::RedisConnection>(executor, options_.result_backend)),
      events_(executor, options_, keys_),
      inspector_(executor, options_, keys_, commands_),
      queues_(options_, keys_, commands_, clock),
      results_(backend_ ? *backend_ : commands_) {}

RedisTransport::~RedisTransport() { Stop(); }

CeleryOptions RedisTransport::WithLinkMonitors(CeleryOptions options) {
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

void RedisTransport::Start(std::shared_ptr<EventStream> stream) { events_.Start(std::move(stream)); }

void RedisTransport::Stop() {
  if (stopped_) return;
  stopped_ = true;
  events_.Stop();
  inspector_.Close();
  commands_.Close();
  if (backend_) backend_->Close();
}

boost::asio::awaitable<boost::system::result<InspectRound>> RedisTransport::Round(
    std::vector<InspectMethod> methods, RoundHints hints) {
  std::vector<std::string> everyone;  // not a braced temporary inside co_await (g++ 12)
  co_return co_await inspector_.Round(std::move(methods), std::move(everyone), std::move(hints));
}

boost::asio::awaitable<boost::system::result<QueuesView>> RedisTransport::Queues(
    std::vector<std::string> consumed) {
  co_return co_await queues_.Collect(std::move(consumed));
}

boost::asio::awaitable<boost::system::result<TaskResult>> RedisTransport::Lookup(
    std::string task_id) {
  co_return co_await results_.Lookup(std::move(task_id));
}

boost::asio::awaitable<boost::system::result<void>> RedisTransport::PingBroker() {
  auto pong = co_await commands_.Command(Ping());
  if (!pong) co_return pong.error();
  if (pong->is_error()) co_return redis::MakeErrorCode(redis::Errc::kProtocol);
  co_return boost::system::result<void>();
}

bool RedisTransport::IsBrokerDown(const boost::system::error_code& ec) const {
  return redis::IsBrokerDown(ec);
}

void AddLinkStats(std::initializer_list<const redis::BrokerLinkMonitor*> monitors,
                  SourceStats& out) {
  for (const redis::BrokerLinkMonitor* monitor : monitors) {
    if (monitor == nullptr) continue;
    const redis::BrokerLinkStats links = monitor->Stats();
    out.broker_connect_failures += links.connect_failures;
    out.broker_disconnects += links.disconnects;
    out.broker_reconnects += links.reconnects;
    out.broker_backoff_seconds = std::max(out.broker_backoff_seconds, links.backoff_seconds);
  }
}

void RedisTransport::AddStats(SourceStats& out) const {
  out.worker_requests = inspector_.broadcasts();
  AddLinkStats({options_.broker.monitor.get(), options_.result_backend.monitor.get()}, out);
}

CelerySource::CelerySource(boost::asio::any_io_executor executor, CeleryOptions options,
                           const base::Clock& clock)
    : celery::CelerySource(executor, options.Settings(),
                           std::make_unique<RedisTransport>(executor, options, clock), clock) {}

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
