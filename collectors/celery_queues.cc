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

CeleryQueues::CeleryQueues(const CeleryOptions& options, CeleryKeys keys,
                           RedisConnection& commands)
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

boost::asio::awaitable<boost::system::result<QueuesView>> CeleryQueues::Collect(
    std::vector<std::string> extra_names) {
  std::set<std::string> names_set(configured_.begin(), configured_.end());
  names_set.insert(extra_names.begin(), extra_names.end());
  {
    std::lock_guard lock(mu_);
    names_set.insert(known_.begin(), known_.end());
  }
  const std::vector<std::string> names(names_set.begin(), names_set.end());
  std::set<std::string> exchanges(names.begin(), names.end());
  exchanges.insert("celery");  // Celery's default exchange
  std::vector<RedisCommand> commands(1 + exchanges.size());
  commands[0] = RedisCommand(2);
  commands[0][0] = "HLEN";
  commands[0][1] = keys_.Unacked();
  std::size_t c = 1;
  for (const auto& exchange : exchanges) {
    commands[c].emplace_back("SMEMBERS");  // no braced lists in coroutines (g++ 12 bug)
    commands[c++].push_back(keys_.Binding(exchange));
  }
  const std::size_t first_depth = commands.size();
  for (auto& c : DepthCommands(names)) commands.push_back(std::move(c));
  auto replies = co_await commands_.Pipeline(std::move(commands));
  if (!replies) co_return replies.error();
  if (replies->size() != first_depth + names.size() * steps_.size()) {
    co_return MakeErrorCode(Errc::kProtocol);
  }
  QueuesView view;
  view.unacked_total = IntOf((*replies)[0]);
  std::set<std::string> found;
  for (std::size_t i = 1; i < first_depth; ++i) {
    for (const auto& member : (*replies)[i].elements) {
      auto binding = ParseBindingMember(member.str, keys_.sep());
      if (binding && !names_set.contains(binding->queue)) found.insert(binding->queue);
    }
  }
  AddDepths(names, *replies, first_depth, view);
  if (!found.empty()) {
    const std::vector<std::string> more(found.begin(), found.end());
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
