// AmqpTransport: inspector, queues, events and results over one AmqpLink.
#include "sources/celery/amqp/celery_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "amqp/errors.h"
#include "amqp/url.h"
#include "redis/errors.h"
#include "redis/link_monitor.h"
#include "redis/url.h"
#include "sources/celery/pidbox_codec.h"
#include "sources/celery/redis/celery_source.h"
#include "sources/errors.h"

namespace queuemon::sources::celery::over_amqp {
namespace {

// Celery's event queue arguments (event_queue_ttl, event_queue_expires).
constexpr std::chrono::milliseconds kEventTtl{5'000};
constexpr std::chrono::milliseconds kEventQueueExpires{60'000};

std::string VhostOrThrow(const std::string& url) {
  std::string why;
  auto parsed = amqp::ParseAmqpUrl(url, &why);
  if (!parsed) throw std::invalid_argument("celery: bad broker url: " + why);
  return parsed->vhost;
}

}  // namespace

AmqpTransport::AmqpTransport(boost::asio::any_io_executor executor, CeleryAmqpOptions options,
                             const base::Clock& clock)
    : options_(WithLinkMonitors(std::move(options))),
      link_(executor, options_.broker, "celery[" + options_.name + "] broker"),
      backend_(options_.result_backend.url.empty()
                   ? nullptr
                   : std::make_unique<redis::RedisConnection>(executor, options_.result_backend)),
      results_(backend_ ? std::make_unique<over_redis::CeleryResults>(*backend_) : nullptr),
      inspector_(executor, options_, link_),
      queues_(executor, options_, VhostOrThrow(options_.broker.url), link_, clock) {}

AmqpTransport::~AmqpTransport() { Stop(); }

CeleryAmqpOptions AmqpTransport::WithLinkMonitors(CeleryAmqpOptions options) {
  if (!options.broker.monitor) {
    options.broker.monitor = std::make_shared<redis::BrokerLinkMonitor>(
        "celery[" + options.name + "] broker", options.broker.url);
  }
  if (!options.result_backend.url.empty() && !options.result_backend.monitor) {
    options.result_backend.monitor = std::make_shared<redis::BrokerLinkMonitor>(
        "celery[" + options.name + "] result backend", options.result_backend.url);
  }
  return options;
}

amqp::ConsumerSpec AmqpTransport::EventConsumer(std::weak_ptr<EventStream> stream) const {
  amqp::ConsumerSpec spec;
  spec.exchange = amqp::ExchangeSpec{options_.events_exchange, "topic", true, false};
  spec.queue = options_.events_exchange + "." + NewUuid();
  spec.binding_key = "#";
  spec.message_ttl = kEventTtl;
  spec.expires = kEventQueueExpires;
  spec.on_message = [stream](amqp::AmqpMessage message) {
    if (auto s = stream.lock()) s->OnBody(message.body);  // malformed ones are counted there
  };
  return spec;
}

void AmqpTransport::Start(std::shared_ptr<EventStream> stream) {
  if (started_.exchange(true)) return;
  std::weak_ptr<EventStream> weak = stream;
  link_.AddConsumer(EventConsumer(weak));
  link_.AddConsumer(inspector_.ReplyConsumer());
  link_.SetStateListener([weak, source = options_.name](bool up) {
    if (auto s = weak.lock()) s->OnSubscription(up);
    spdlog::info("celery[{}]: event subscription {}", source, up ? "up" : "down");
  });
  link_.Start();
}

void AmqpTransport::Stop() {
  if (stopped_.exchange(true)) return;
  link_.Close();
  if (backend_) backend_->Close();
}

boost::asio::awaitable<boost::system::result<InspectRound>> AmqpTransport::Round(
    std::vector<InspectMethod> methods, RoundHints hints) {
  if (!started_ || stopped_) co_return MakeErrorCode(Errc::kShuttingDown);
  co_return co_await inspector_.Round(std::move(methods), std::move(hints));
}

boost::asio::awaitable<boost::system::result<QueuesView>> AmqpTransport::Queues(
    std::vector<std::string> consumed) {
  co_return co_await queues_.Collect(std::move(consumed));
}

boost::asio::awaitable<boost::system::result<TaskResult>> AmqpTransport::Lookup(
    std::string task_id) {
  if (results_) co_return co_await results_->Lookup(std::move(task_id));
  if (!ValidTaskId(task_id)) co_return MakeErrorCode(Errc::kInvalidArgument);
  TaskResult pending;
  pending.task_id = std::move(task_id);
  co_return pending;
}

boost::asio::awaitable<boost::system::result<void>> AmqpTransport::PingBroker() {
  co_return co_await link_.Ping();
}

bool AmqpTransport::IsBrokerDown(const boost::system::error_code& ec) const {
  return amqp::IsBrokerDown(ec) || redis::IsBrokerDown(ec);
}

void AmqpTransport::AddStats(SourceStats& out) const {
  out.worker_requests = inspector_.broadcasts();
  // Deliveries too large to take (over max_message_bytes) are events lost as malformed.
  const std::uint64_t oversized = link_.Stats().oversized;
  out.events_malformed += oversized;
  out.malformed_replies += oversized;
  over_redis::AddLinkStats({options_.broker.monitor.get(), options_.result_backend.monitor.get()},
                           out);
}

std::unique_ptr<SourceOptions> CeleryAmqpOptions::Clone() const {
  return std::make_unique<CeleryAmqpOptions>(*this);
}

std::unique_ptr<Source> CeleryAmqpOptions::MakeSource(boost::asio::any_io_executor executor,
                                                      const base::Clock& clock) const {
  return std::make_unique<CelerySource>(
      executor, Settings(), std::make_unique<AmqpTransport>(executor, *this, clock), clock);
}

std::string CeleryAmqpOptions::Describe() const {
  std::string out = "broker " + redis::RedactRedisUrl(broker.url);
  if (!management_url.empty()) out += ", management " + redis::RedactRedisUrl(management_url);
  return out;
}

}  // namespace queuemon::sources::celery::over_amqp
