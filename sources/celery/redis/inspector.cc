// Pidbox broadcast rounds over Redis.
#include "sources/celery/redis/inspector.h"

#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <set>
#include <chrono>
#include <cstdio>

#include "base/clock.h"
#include "redis/errors.h"
#include "sources/errors.h"
#include "sources/celery/inspect_replies.h"
#include "sources/celery/pidbox_codec.h"

namespace queuemon::sources::celery::over_redis {
namespace {

using Steady = std::chrono::steady_clock;

// The client-side deadline of a BRPOP exceeds its server-side timeout by this much, so that
// Redis answers nil first; only a dead or blackholed broker hits the client deadline.
constexpr auto kBrpopMargin = std::chrono::milliseconds(250);
constexpr auto kMinWait = std::chrono::milliseconds(1);

// Commands are built by this plain function, never as braced lists inside a coroutine: g++ 12
// mis-compiles those ("array used as initializer").
template <typename... Args>
redis::RedisCommand MakeCommand(Args&&... args) {
  redis::RedisCommand command;
  (command.emplace_back(std::forward<Args>(args)), ...);
  return command;
}

std::string Seconds(Steady::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", std::chrono::duration<double>(d).count());
  return buf;
}

// One round trip takes the oldest reply, waiting for it until the round's deadline, and then,
// atomically, up to kDrainBatch replies queued behind it: a round of 1 000 workers costs a
// few round trips instead of one per reply (BENCHMARKS.md "Issue 16"). MULTI/LRANGE/LTRIM
// rather than RPOP with a count, which Redis before 6.2 lacks.
constexpr const char* kDrainBatch = "1000";
constexpr const char* kDrainKeep = "-1001";  // LTRIM 0 -1001 keeps all but the oldest 1 000
constexpr std::size_t kTakeRepliesCommands = 5;

std::vector<redis::RedisCommand> TakeReplies(const std::string& queue, Steady::duration left) {
  return {MakeCommand("BRPOP", queue, Seconds(left)), MakeCommand("MULTI"),
          MakeCommand("LRANGE", queue, std::string("-") + kDrainBatch, "-1"),
          MakeCommand("LTRIM", queue, "0", kDrainKeep), MakeCommand("EXEC")};
}

// The replies the EXEC of TakeReplies drained (its LRANGE result), or null for another shape.
const std::vector<redis::RedisReply>* QueuedReplies(const redis::RedisReply& exec) {
  if (exec.type != redis::RedisReply::Type::kArray || exec.elements.size() != 2) return nullptr;
  const redis::RedisReply& range = exec.elements[0];
  return range.type == redis::RedisReply::Type::kArray ? &range.elements : nullptr;
}

}  // namespace

// Tickets of one round and how many replies each still expects.
struct CeleryInspector::Pending {
  std::map<std::string, std::string> method_of_ticket;
  std::map<std::string, std::int64_t> expected;  // ticket -> replies still to come
  std::map<std::string, std::set<std::string>> repliers;  // ticket -> workers that replied
  RoundHints hints;
  std::string queue;                             // the round's reply queue (prefixed key)
  Steady::time_point deadline;

  // Every reply arrived.
  bool complete() const {
    return std::all_of(expected.begin(), expected.end(), [](const auto& e) { return e.second <= 0; });
  }
  // Nothing more worth waiting for: complete, or (RoundHints) only departed workers missing.
  bool done() const {
    return std::all_of(expected.begin(), expected.end(),
                       [this](const auto& e) { return e.second <= 0 || OnlyDepartedMissing(e.first, e.second); });
  }

  // RoundHints: every awaited worker replied, and the missing replies can all be departed
  // workers'. With nobody awaited (a daemon just started, workers without events that did not
  // reply last time) a missing reply may be a live worker's: wait for it.
  bool OnlyDepartedMissing(const std::string& ticket, std::int64_t missing) const {
    if (hints.departed.empty() || hints.awaited.empty()) return false;
    const auto it = repliers.find(ticket);
    static const std::set<std::string> kNone;
    const std::set<std::string>& replied = it == repliers.end() ? kNone : it->second;
    for (const std::string& worker : hints.awaited) {
      if (!replied.contains(worker)) return false;
    }
    std::int64_t silent_departed = 0;
    for (const std::string& worker : hints.departed) silent_departed += replied.contains(worker) ? 0 : 1;
    return missing <= silent_departed;
  }
};

CeleryInspector::CeleryInspector(boost::asio::any_io_executor executor,
                                 const CeleryOptions& options, CeleryKeys keys,
                                 redis::RedisConnection& commands)
    : executor_(std::move(executor)),
      options_(options),
      keys_(std::move(keys)),
      commands_(commands) {}

CeleryInspector::~CeleryInspector() { Close(); }

void CeleryInspector::Close() {
  closed_ = true;
  base::MutexLock lock(pool_mu_);
  for (auto& conn : idle_) conn->Close();
  idle_.clear();
}

std::unique_ptr<redis::RedisConnection> CeleryInspector::Lease() {
  {
    base::MutexLock lock(pool_mu_);
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
  }
  return std::make_unique<redis::RedisConnection>(executor_, options_.broker);
}

void CeleryInspector::Return(std::unique_ptr<redis::RedisConnection> conn) {
  base::MutexLock lock(pool_mu_);
  if (closed_ || idle_.size() >= kMaxIdle) {
    conn->Close();
    return;
  }
  idle_.push_back(std::move(conn));
}

std::vector<redis::RedisCommand> CeleryInspector::PublishCommands(
    const std::vector<InspectMethod>& methods, const std::vector<std::string>& destination,
    const std::string& routing_key, const std::string& member, Pending& pending) const {
  // SADD first: in one pipeline Redis runs it before any worker can see the PUBLISH.
  std::vector<redis::RedisCommand> publish = {
      MakeCommand("SADD", keys_.Binding("reply." + options_.pidbox_exchange), member)};
  for (const auto& m : methods) {
    PidboxRequest request;
    request.method = m.method;
    request.arguments_json = m.arguments_json;
    request.destination = destination;
    request.ticket = NewUuid();
    request.reply_exchange = "reply." + options_.pidbox_exchange;
    request.reply_routing_key = routing_key;
    request.pidbox_exchange = options_.pidbox_exchange;
    request.expires_unix =
        base::UnixNow() + std::chrono::duration<double>(options_.inspect_timeout).count();
    request.delivery_tag = NewUuid();
    pending.method_of_ticket[request.ticket] = m.method;
    publish.push_back(MakeCommand("PUBLISH", keys_.PidboxChannel(), EncodePidboxRequest(request)));
  }
  return publish;
}

void CeleryInspector::Expect(const std::vector<InspectMethod>& methods,
                             const std::vector<redis::RedisReply>& published,
                             std::size_t destination_count, Pending& pending, InspectRound& round) {
  // published[0] is the SADD; then one PUBLISH receiver count per method. With a destination
  // every worker still receives the message and filters it itself, so expect at most
  // |destination| replies (as kombu does).
  std::size_t i = 1;
  for (const auto& m : methods) {
    const redis::RedisReply& reply = published.at(i++);
    std::int64_t n = reply.type == redis::RedisReply::Type::kInteger ? reply.integer : 0;
    round.receivers[m.method] = n;
    round.bodies[m.method];  // present even when nobody answers
    if (destination_count > 0) n = std::min<std::int64_t>(n, destination_count);
    for (const auto& [ticket, method] : pending.method_of_ticket) {
      if (method == m.method) pending.expected[ticket] = n;
    }
  }
}

boost::asio::awaitable<boost::system::result<InspectRound>> CeleryInspector::Round(
    std::vector<InspectMethod> methods, std::vector<std::string> destination, RoundHints hints) {
  if (closed_) co_return MakeErrorCode(Errc::kShuttingDown);
  const std::string routing_key = NewUuid();
  const std::string queue = routing_key + ".reply." + options_.pidbox_exchange;
  const std::string member = keys_.ReplyBindingMember(routing_key, queue);
  Pending pending;
  pending.hints = std::move(hints);
  pending.queue = keys_.Key(queue);
  pending.deadline = Steady::now() + options_.inspect_timeout;
  std::vector<redis::RedisCommand> publish =
      PublishCommands(methods, destination, routing_key, member, pending);
  auto published = co_await commands_.Pipeline(std::move(publish), pending.deadline);
  broadcasts_.fetch_add(methods.size(), std::memory_order_relaxed);
  InspectRound round;
  if (!published) {
    co_await Cleanup(member, queue, /*quiet=*/true);
    co_return published.error();
  }
  if (published->size() != methods.size() + 1) {
    co_await Cleanup(member, queue, /*quiet=*/true);
    co_return MakeErrorCode(Errc::kProtocol);
  }
  Expect(methods, *published, destination.size(), pending, round);
  if (!pending.done()) {
    auto conn = Lease();
    co_await Collect(*conn, pending, round);
    Return(std::move(conn));
  }
  round.complete = pending.complete();  // false too when the hints ended the round
  co_await Cleanup(member, queue, /*quiet=*/false);
  co_return round;
}

void CeleryInspector::Accept(std::string_view raw, Pending& pending, InspectRound& round) const {
  std::string why;
  auto decoded = DecodePidboxReply(raw, options_.max_reply_bytes, &why);
  const auto method =
      decoded ? pending.method_of_ticket.find(decoded->ticket) : pending.method_of_ticket.end();
  if (method == pending.method_of_ticket.end()) {
    ++round.malformed;
    spdlog::debug("celery inspect: skipped reply: {}", decoded ? "unknown ticket" : why);
    return;
  }
  --pending.expected[decoded->ticket];
  if (!pending.hints.departed.empty()) {
    if (auto worker = AnsweringNode(decoded->body)) pending.repliers[decoded->ticket].insert(*worker);
  }
  round.bodies[method->second].push_back(std::move(decoded->body));
}

boost::asio::awaitable<void> CeleryInspector::Collect(redis::RedisConnection& conn, Pending& pending,
                                                      InspectRound& round) {
  while (!pending.done()) {
    const auto left = pending.deadline - Steady::now();
    if (left < kMinWait) break;
    // Named, not a temporary inside the co_await expression (g++ 12, see MakeCommand).
    std::vector<redis::RedisCommand> take = TakeReplies(pending.queue, left);
    auto replies = co_await conn.Pipeline(std::move(take), pending.deadline + kBrpopMargin);
    if (!replies) {
      spdlog::warn("celery inspect: BRPOP failed: {}", replies.error().message());
      break;
    }
    if (replies->size() != kTakeRepliesCommands) {
      ++round.malformed;
      break;
    }
    const redis::RedisReply& first = replies->front();
    if (first.is_nil()) break;  // server-side timeout: the round is over
    if (first.type == redis::RedisReply::Type::kArray && first.elements.size() == 2) {
      Accept(first.elements[1].str, pending, round);
    } else {
      ++round.malformed;
    }
    const std::vector<redis::RedisReply>* queued = QueuedReplies(replies->back());
    if (queued == nullptr) {
      ++round.malformed;
      continue;
    }
    // LRANGE lists the newest first (workers LPUSH): accept them in arrival order.
    for (auto it = queued->rbegin(); it != queued->rend(); ++it) Accept(it->str, pending, round);
  }
}

boost::asio::awaitable<void> CeleryInspector::Cleanup(const std::string& member,
                                                      const std::string& queue, bool quiet) {
  // Its own short deadline: cleanup must run even when the round's deadline has passed.
  std::vector<redis::RedisCommand> commands = {
      MakeCommand("SREM", keys_.Binding("reply." + options_.pidbox_exchange), member),
      MakeCommand("DEL", keys_.Key(queue))};
  auto done = co_await commands_.Pipeline(std::move(commands),
                                          Steady::now() + options_.broker.command_timeout);
  if (!done && !quiet) {
    // Stale members are harmless to workers (they LPUSH into a queue nobody reads) but grow
    // the set; worth a line. After a failed publish the broker is known to be gone: stay quiet.
    spdlog::warn("celery inspect: reply binding cleanup failed: {}", done.error().message());
  }
}

}  // namespace queuemon::sources::celery::over_redis
