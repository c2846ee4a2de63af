// Queue discovery and depths in one pipelined round trip.
#include "collectors/celery_queues.h"

#include <algorithm>

#include "collectors/errors.h"

namespace queuemon::collectors {
namespace {

std::int64_t IntOf(const RedisReply& reply) {
  // A missing key is 0 for LLEN/HLEN; a wrong-type key (not a kombu list) counts as 0 too.
  return reply.type == RedisReply::Type::kInteger ? reply.integer : 0;
}

}  // namespace

CeleryQueues::CeleryQueues(const CeleryOptions& options, CeleryKeys keys, RedisConnection& commands)
    : steps_(options.priority_steps),
      configured_(options.queues),
      keys_(std::move(keys)),
      commands_(commands) {}

std::vector<RedisCommand> CeleryQueues::DepthCommands(const std::vector<std::string>& names) const {
  std::vector<RedisCommand> commands;
  for (const auto& name : names) {
    for (int step : steps_) commands.push_back(RedisCommand{"LLEN", keys_.QueueList(name, step)});
  }
  return commands;
}

void CeleryQueues::AddDepths(const std::vector<std::string>& names,
                             const std::vector<RedisReply>& replies, std::size_t first,
                             QueuesView& view) const {
  std::size_t i = first;
  for (const auto& name : names) {
    QueueInfo queue;
    queue.name = name;
    for (int step : steps_) {
      const std::int64_t n = i < replies.size() ? IntOf(replies[i]) : 0;
      ++i;
      queue.by_priority[step] = n;
      queue.messages += n;
    }
    view.total_messages += queue.messages;
    view.queues.push_back(std::move(queue));
  }
}

CeleryQueues::Plan CeleryQueues::MakePlan(const std::vector<std::string>& extra_names) {
  Plan plan;
  plan.names.insert(configured_.begin(), configured_.end());
  plan.names.insert(extra_names.begin(), extra_names.end());
  {
    std::lock_guard lock(mu_);
    plan.names.insert(known_.begin(), known_.end());
    known_.insert(plan.names.begin(), plan.names.end());  // idle queues stay listed
  }
  std::set<std::string> exchanges(plan.names.begin(), plan.names.end());
  exchanges.insert("celery");  // Celery's default exchange
  plan.commands.push_back(RedisCommand{"HLEN", keys_.Unacked()});
  for (const auto& exchange : exchanges) {
    plan.commands.push_back(RedisCommand{"SMEMBERS", keys_.Binding(exchange)});
  }
  plan.first_depth = plan.commands.size();
  for (auto& c : DepthCommands({plan.names.begin(), plan.names.end()})) {
    plan.commands.push_back(std::move(c));
  }
  return plan;
}

std::vector<std::string> CeleryQueues::NewNames(const Plan& plan,
                                                const std::vector<RedisReply>& replies) const {
  std::set<std::string> found;
  for (std::size_t i = 1; i < plan.first_depth; ++i) {
    for (const auto& member : replies[i].elements) {
      auto binding = ParseBindingMember(member.str, keys_.sep());
      if (binding && !plan.names.contains(binding->queue)) found.insert(binding->queue);
    }
  }
  return {found.begin(), found.end()};
}

boost::asio::awaitable<boost::system::result<QueuesView>> CeleryQueues::Collect(
    std::vector<std::string> extra_names) {
  Plan plan = MakePlan(extra_names);
  const std::vector<std::string> names(plan.names.begin(), plan.names.end());
  const std::size_t expected = plan.first_depth + names.size() * steps_.size();
  auto replies = co_await commands_.Pipeline(std::move(plan.commands));
  if (!replies) co_return replies.error();
  if (replies->size() != expected) co_return MakeErrorCode(Errc::kProtocol);
  QueuesView view;
  view.unacked_total = IntOf((*replies)[0]);
  AddDepths(names, *replies, plan.first_depth, view);
  const std::vector<std::string> more = NewNames(plan, *replies);
  if (!more.empty()) {  // a binding named a queue not seen before: one more round trip
    auto extra = co_await commands_.Pipeline(DepthCommands(more));
    if (!extra) co_return extra.error();
    AddDepths(more, *extra, 0, view);
    std::lock_guard lock(mu_);
    known_.insert(more.begin(), more.end());
  }
  std::sort(view.queues.begin(), view.queues.end(),
            [](const QueueInfo& a, const QueueInfo& b) { return a.name < b.name; });
  co_return view;
}

}  // namespace queuemon::collectors
