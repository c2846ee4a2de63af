#include "sources/celery/amqp/queues.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "amqp/errors.h"
#include "amqp/management.h"
#include "redis/url.h"

namespace queuemon::sources::celery::over_amqp {
namespace {

using Steady = std::chrono::steady_clock;

// The management answer for a vhost of 100 000 queues is about 10 MB; anything larger is refused.
constexpr std::size_t kMaxManagementBytes = 64 * 1024 * 1024;

}  // namespace

bool IsInternalQueue(const std::string& name, const std::string& pidbox_exchange,
                     const std::string& events_exchange) {
  return name.ends_with("." + pidbox_exchange) ||  // <node>.celery.pidbox, <oid>.reply.celery.pidbox
         name.starts_with(events_exchange + ".");  // celeryev.<uuid>
}

AmqpQueues::AmqpQueues(boost::asio::any_io_executor executor, const CeleryAmqpOptions& options,
                       std::string vhost, amqp::AmqpLink& link, const base::Clock& clock)
    : executor_(std::move(executor)),
      options_(options),
      vhost_(std::move(vhost)),
      link_(link),
      listing_(options.queues, options.idle_queue_grace, clock) {}

boost::asio::awaitable<boost::system::result<QueuesView>> AmqpQueues::Collect(
    std::vector<std::string> consumed) {
  // Not `?:` around co_await: g++ 12 mis-compiles it.
  boost::system::result<std::vector<QueueInfo>> queues = MakeErrorCode(amqp::Errc::kUnavailable);
  if (!options_.management_url.empty()) queues = co_await FromManagement();
  if (!queues) {  // no management API, or it failed: the broker itself still answers
    std::vector<std::string> candidates = listing_.Candidates(consumed);
    queues = co_await FromDeclares(std::move(candidates));
  }
  if (!queues) co_return queues.error();
  for (const std::string& name : options_.queues) {  // configured: listed even when absent
    if (std::none_of(queues->begin(), queues->end(),
                     [&name](const QueueInfo& q) { return q.name == name; })) {
      QueueInfo absent;
      absent.name = name;
      queues->push_back(std::move(absent));
    }
  }
  QueuesView view;
  for (const QueueInfo& queue : *queues) view.unacked_total += queue.unacked.value_or(0);
  listing_.List(std::move(*queues), consumed, view);
  co_return view;
}

boost::asio::awaitable<boost::system::result<std::vector<QueueInfo>>> AmqpQueues::FromManagement() {
  auto request = amqp::ReadManagementQueues(executor_, options_.management_url, vhost_,
                                            Steady::now() + options_.broker.command_timeout,
                                            kMaxManagementBytes);
  auto read = co_await std::move(request);
  NoteManagementAnswer(read ? boost::system::error_code() : read.error());
  if (!read) co_return read.error();
  std::vector<QueueInfo> queues;
  for (amqp::ManagementQueue& q : *read) {
    if (IsInternalQueue(q.name, options_.pidbox_exchange, options_.events_exchange)) continue;
    QueueInfo info;
    info.name = std::move(q.name);
    info.messages = q.ready;
    info.unacked = q.unacked;
    info.consumers = q.consumers;
    queues.push_back(std::move(info));
  }
  co_return queues;
}

// Logs when the management API starts failing (and why) and when it answers again: once per
// change, not per collection.
void AmqpQueues::NoteManagementAnswer(const boost::system::error_code& ec) {
  const bool failing = static_cast<bool>(ec);
  if (management_failing_.exchange(failing) == failing) return;
  if (failing) {
    spdlog::warn("celery[{}]: management API {} failed: {}; queue figures from passive "
                 "declarations (no unacked counts) until it answers",
                 options_.name, redis::RedactRedisUrl(options_.management_url), ec.message());
  } else {
    spdlog::info("celery[{}]: management API answers again", options_.name);
  }
}

boost::asio::awaitable<boost::system::result<std::vector<QueueInfo>>> AmqpQueues::FromDeclares(
    std::vector<std::string> candidates) {
  auto statuses = co_await link_.DeclarePassive(candidates);
  if (!statuses) co_return statuses.error();
  std::vector<QueueInfo> queues;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const std::optional<amqp::QueueStatus>& status = (*statuses)[i];
    if (!status) continue;  // the broker has no such queue (yet)
    QueueInfo info;
    info.name = std::move(candidates[i]);
    info.messages = status->messages_ready;
    info.consumers = status->consumers;
    queues.push_back(std::move(info));
  }
  co_return queues;
}

}  // namespace queuemon::sources::celery::over_amqp
