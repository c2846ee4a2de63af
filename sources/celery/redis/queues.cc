// Queue discovery, depths and unacked counts.
#include "sources/celery/redis/queues.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "redis/errors.h"
#include "sources/errors.h"

namespace queuemon::sources::celery::over_redis {
namespace {

std::int64_t IntOf(const redis::RedisReply& reply) {
  // A missing key is 0 for LLEN/HLEN; a wrong-type key (not a kombu list) counts as 0 too.
  return reply.type == redis::RedisReply::Type::kInteger ? reply.integer : 0;
}

// Built outside the coroutines: g++ 12 mis-compiles braced string literals inside them.
redis::RedisCommand HlenCommand(const CeleryKeys& keys) { return redis::RedisCommand{"HLEN", keys.Unacked()}; }
redis::RedisCommand HvalsCommand(const CeleryKeys& keys) { return redis::RedisCommand{"HVALS", keys.Unacked()}; }

}  // namespace

std::optional<std::map<std::string, std::int64_t>> UnackedByQueue(
    const std::vector<redis::RedisReply>& values, const QueueBindings& bindings) {
  std::map<std::string, std::int64_t> counts;
  for (const redis::RedisReply& value : values) {
    // kombu stores [message, exchange, routing_key] (celery-redis-protocol.md §3.2).
    const auto entry = nlohmann::json::parse(value.str, nullptr, /*allow_exceptions=*/false);
    if (!entry.is_array() || entry.size() != 3 || !entry[1].is_string() || !entry[2].is_string()) {
      return std::nullopt;
    }
    ++counts[bindings.QueueOf(entry[1].get<std::string>(), entry[2].get<std::string>())];
  }
  return counts;
}

CeleryQueues::CeleryQueues(const CeleryOptions& options, CeleryKeys keys, redis::RedisConnection& commands,
                           const base::Clock& clock)
    : options_(options), keys_(std::move(keys)), commands_(commands), clock_(clock),
      listing_(options.queues, options.idle_queue_grace, clock) {}

boost::asio::awaitable<boost::system::error_code> CeleryQueues::DiscoverIfDue() {
  {
    base::MutexLock lock(mu_);
    if (discovering_ || clock_.Now() < next_discovery_) co_return boost::system::error_code{};
    discovering_ = true;
  }
  auto found = co_await DiscoverBindings(commands_, keys_, options_);
  base::MutexLock lock(mu_);
  discovering_ = false;
  if (!found) co_return found.error();  // due again at the next collection
  bindings_ = std::move(*found);
  next_discovery_ = clock_.Now() + options_.queue_discovery_interval;
  co_return boost::system::error_code{};
}

std::vector<std::string> CeleryQueues::Candidates(const std::vector<std::string>& consumed,
                                                  QueueBindings& bindings) {
  std::vector<std::string> listed = listing_.Candidates(consumed);
  std::set<std::string> names(listed.begin(), listed.end());
  base::MutexLock lock(mu_);
  bindings = bindings_;
  names.insert(bindings.queues.begin(), bindings.queues.end());
  return {names.begin(), names.end()};
}

std::vector<redis::RedisCommand> CeleryQueues::DepthCommands(const std::vector<std::string>& names) const {
  std::vector<redis::RedisCommand> commands;
  for (const auto& name : names) {
    for (int step : options_.priority_steps) {
      commands.push_back(redis::RedisCommand{"LLEN", keys_.QueueList(name, step)});
    }
  }
  return commands;
}

// One pipeline: HLEN unacked (when `unacked_total` is set), then every LLEN of `names`.
boost::asio::awaitable<boost::system::result<std::vector<QueueInfo>>> CeleryQueues::Depths(
    std::vector<std::string> names, std::int64_t* unacked_total) {
  std::vector<redis::RedisCommand> commands;
  if (unacked_total) commands.push_back(HlenCommand(keys_));
  const std::size_t first = commands.size();
  for (auto& c : DepthCommands(names)) commands.push_back(std::move(c));
  const std::size_t expected = commands.size();
  auto replies = co_await commands_.Pipeline(std::move(commands));
  if (!replies) co_return replies.error();
  if (replies->size() != expected) co_return MakeErrorCode(Errc::kProtocol);
  if (unacked_total) *unacked_total = IntOf((*replies)[0]);
  std::vector<QueueInfo> queues;
  std::size_t i = first;
  for (const auto& name : names) {
    QueueInfo queue;
    queue.name = name;
    for (int step : options_.priority_steps) {
      const std::int64_t n = IntOf((*replies)[i++]);
      queue.by_priority[step] = n;
      queue.messages += n;
    }
    queues.push_back(std::move(queue));
  }
  co_return queues;
}

boost::asio::awaitable<boost::system::result<std::optional<std::map<std::string, std::int64_t>>>>
CeleryQueues::Unacked(std::int64_t total, const QueueBindings& bindings) {
  using Counts = std::optional<std::map<std::string, std::int64_t>>;
  if (total == 0) co_return Counts(std::map<std::string, std::int64_t>{});
  if (total > kMaxUnackedRouted) co_return Counts();
  auto values = co_await commands_.Command(HvalsCommand(keys_));
  if (!values) co_return values.error();
  co_return UnackedByQueue(values->elements, bindings);
}


boost::asio::awaitable<boost::system::result<QueuesView>> CeleryQueues::Collect(
    std::vector<std::string> consumed) {
  if (auto ec = co_await DiscoverIfDue()) co_return ec;
  QueueBindings bindings;
  const std::vector<std::string> names = Candidates(consumed, bindings);
  QueuesView view;
  auto queues = co_await Depths(names, &view.unacked_total);
  if (!queues) co_return queues.error();
  auto unacked = co_await Unacked(view.unacked_total, bindings);
  if (!unacked) co_return unacked.error();
  if (*unacked) {
    std::vector<std::string> more;  // unacked messages of a queue not among the candidates
    for (const auto& [name, count] : **unacked) {
      if (!std::binary_search(names.begin(), names.end(), name)) more.push_back(name);
    }
    if (!more.empty()) {
      auto extra = co_await Depths(more, nullptr);
      if (!extra) co_return extra.error();
      queues->insert(queues->end(), extra->begin(), extra->end());
    }
    for (QueueInfo& q : *queues) {
      const auto it = (*unacked)->find(q.name);
      q.unacked = it == (*unacked)->end() ? 0 : it->second;
    }
  }
  listing_.List(std::move(*queues), consumed, view);
  co_return view;
}

}  // namespace queuemon::sources::celery::over_redis
