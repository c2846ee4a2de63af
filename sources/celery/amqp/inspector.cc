// Pidbox broadcast rounds over AMQP.
#include "sources/celery/amqp/inspector.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include <set>

#include "base/clock.h"
#include "sources/celery/inspect_replies.h"
#include "sources/celery/pidbox_codec.h"

namespace queuemon::sources::celery::over_amqp {
namespace {

namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

// Celery's reply queue arguments (kombu/pidbox.py): a reply kept 300 s, the queue 10 s unused.
constexpr std::chrono::milliseconds kReplyTtl{300'000};
constexpr std::chrono::milliseconds kReplyQueueExpires{10'000};

}  // namespace

// One round: its tickets, the replies so far, and the timer its coroutine sleeps on.
struct AmqpInspector::Pending {
  explicit Pending(asio::any_io_executor strand) : timer(std::move(strand)) {}

  // Every awaited worker replied to every method (never with nobody awaited).
  bool Complete() const {
    if (awaited.empty()) return false;
    for (const auto& [ticket, method] : method_of_ticket) {
      const auto it = repliers.find(ticket);
      if (it == repliers.end()) return false;
      for (const std::string& worker : awaited) {
        if (!it->second.contains(worker)) return false;
      }
    }
    return true;
  }

  asio::steady_timer timer;
  std::map<std::string, std::string> method_of_ticket;
  std::map<std::string, std::set<std::string>> repliers;  // ticket -> workers that replied
  std::set<std::string> awaited;
  InspectRound round;
  bool woken = false;
};

AmqpInspector::AmqpInspector(asio::any_io_executor executor, const CeleryAmqpOptions& options,
                             amqp::AmqpLink& link)
    : executor_(std::move(executor)), options_(options), link_(link), oid_(NewUuid()) {}

amqp::ConsumerSpec AmqpInspector::ReplyConsumer() {
  amqp::ConsumerSpec spec;
  spec.exchange = amqp::ExchangeSpec{"reply." + options_.pidbox_exchange, "direct", false, false};
  spec.queue = oid_ + ".reply." + options_.pidbox_exchange;
  spec.binding_key = oid_;
  spec.message_ttl = kReplyTtl;
  spec.expires = kReplyQueueExpires;
  spec.on_message = [this](amqp::AmqpMessage message) { OnReply(message); };
  return spec;
}

asio::awaitable<boost::system::result<InspectRound>> AmqpInspector::Round(
    std::vector<InspectMethod> methods, RoundHints hints) {
  auto round = StartRound(std::move(methods), std::move(hints));
  co_return co_await std::move(round);
}

// A plain function: g++ 12 mis-handles temporaries inside co_await expressions.
asio::awaitable<boost::system::result<InspectRound>> AmqpInspector::StartRound(
    std::vector<InspectMethod> methods, RoundHints hints) {
  return asio::co_spawn(asio::make_strand(executor_),
                        RoundOnStrand(std::move(methods), std::move(hints)), asio::use_awaitable);
}

amqp::PublishSpec AmqpInspector::Requests(const std::vector<InspectMethod>& methods,
                                          Pending& pending) const {
  amqp::PublishSpec spec;
  spec.exchange = amqp::ExchangeSpec{options_.pidbox_exchange, "fanout", false, false};
  const double expires = base::UnixNow() +
                         std::chrono::duration<double>(options_.inspect_timeout).count();
  spec.number_headers = {{"clock", 1}, {"expires", expires}};
  for (const InspectMethod& method : methods) {
    PidboxRequest request;
    request.method = method.method;
    request.arguments_json = method.arguments_json;
    request.ticket = NewUuid();
    request.reply_exchange = "reply." + options_.pidbox_exchange;
    request.reply_routing_key = oid_;
    request.pidbox_exchange = options_.pidbox_exchange;
    pending.method_of_ticket[request.ticket] = method.method;
    spec.routing_keys_bodies.push_back("");  // fanout: the routing key is ignored
    spec.routing_keys_bodies.push_back(PidboxRequestBody(request));
  }
  return spec;
}

asio::awaitable<boost::system::result<InspectRound>> AmqpInspector::RoundOnStrand(
    std::vector<InspectMethod> methods, RoundHints hints) {
  const auto deadline = Steady::now() + options_.inspect_timeout;
  auto strand = co_await asio::this_coro::executor;
  auto pending = std::make_shared<Pending>(strand);
  pending->awaited = std::move(hints.awaited);
  amqp::PublishSpec requests = Requests(methods, *pending);
  {
    base::MutexLock lock(mu_);
    for (const auto& [ticket, method] : pending->method_of_ticket) rounds_[ticket] = pending;
  }
  auto publish = link_.Publish(std::move(requests), deadline);
  auto published = co_await std::move(publish);
  if (published) broadcasts_.fetch_add(methods.size(), std::memory_order_relaxed);
  pending->timer.expires_at(deadline);
  bool wait = false;
  {
    base::MutexLock lock(mu_);
    wait = published && !pending->Complete();
  }
  if (wait) co_await pending->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  base::MutexLock lock(mu_);
  for (const auto& [ticket, method] : pending->method_of_ticket) rounds_.erase(ticket);
  if (!published) co_return published.error();
  for (const auto& [ticket, method] : pending->method_of_ticket) {
    pending->round.bodies[method];  // present, possibly empty
  }
  pending->round.complete = pending->Complete();
  co_return std::move(pending->round);
}

void AmqpInspector::OnReply(const amqp::AmqpMessage& message) {
  const auto ticket = message.headers.find("ticket");
  if (ticket == message.headers.end()) return;  // not a reply to queuemon
  base::MutexLock lock(mu_);
  const auto it = rounds_.find(ticket->second);
  if (it == rounds_.end()) return;  // a round that ended already
  Pending& pending = *it->second;
  const std::optional<std::string> worker =
      message.body.size() <= options_.max_reply_bytes ? AnsweringNode(message.body) : std::nullopt;
  if (!worker) {
    ++pending.round.malformed;
    return;
  }
  if (!pending.repliers[ticket->second].insert(*worker).second) return;  // a duplicate
  pending.round.bodies[pending.method_of_ticket[ticket->second]].push_back(message.body);
  if (!pending.woken && pending.Complete()) {
    pending.woken = true;
    asio::post(pending.timer.get_executor(), [round = it->second] { round->timer.cancel(); });
  }
}

}  // namespace queuemon::sources::celery::over_amqp
