// View assembly (see view_builder.h for the status rules).
#include "sources/celery/view_builder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace queuemon::sources::celery {
namespace {

template <typename Parser, typename Apply>
void ParseEach(const std::map<std::string, std::vector<std::string>>& bodies, const char* method,
               Parser parse, Apply apply, std::uint64_t& malformed) {
  const auto it = bodies.find(method);
  if (it == bodies.end()) return;
  for (const auto& body : it->second) {
    std::string why;
    auto parsed = parse(body, &why);
    if (!parsed) {
      ++malformed;
      spdlog::debug("celery: skipped malformed {} reply: {}", method, why);
      continue;
    }
    apply(*parsed);
  }
}

}  // namespace

ParsedReplies ParseReplies(const std::map<std::string, std::vector<std::string>>& bodies) {
  ParsedReplies out;
  ParseEach(
      bodies, "stats", ParseStatsReply, [&](auto& r) { out.stats[r.node] = std::move(r.value); },
      out.malformed);
  ParseEach(
      bodies, "active_queues", ParseActiveQueuesReply,
      [&](auto& r) { out.queues[r.node] = std::move(r.value); }, out.malformed);
  ParseEach(
      bodies, "ping", ParsePingReply,
      [&](auto& r) {
        if (r.value) out.pong.insert(r.node);
      },
      out.malformed);
  auto tasks = [&](const std::string& node) -> WorkerTasks& {
    WorkerTasks& w = out.tasks[node];
    w.hostname = node;
    return w;
  };
  ParseEach(
      bodies, "active", ParseTaskListReply,
      [&](auto& r) { tasks(r.node).active = std::move(r.value); }, out.malformed);
  ParseEach(
      bodies, "reserved", ParseTaskListReply,
      [&](auto& r) { tasks(r.node).reserved = std::move(r.value); }, out.malformed);
  ParseEach(
      bodies, "scheduled", ParseScheduledReply,
      [&](auto& r) { tasks(r.node).scheduled = std::move(r.value); }, out.malformed);
  return out;
}

WorkersView BuildWorkersView(std::vector<WorkerInfo> table, const ParsedReplies& replies,
                             double now_unix) {
  std::map<std::string, WorkerInfo> by_name;
  for (auto& w : table) by_name[w.hostname] = std::move(w);
  // An inspect reply is proof of life, as a heartbeat is: the worker answered just now.
  auto entry = [&](const std::string& node) -> WorkerInfo& {
    WorkerInfo& w = by_name[node];
    if (w.hostname.empty()) w.hostname = node;
    w.status = "online";
    return w;
  };
  for (const auto& [node, stats] : replies.stats) {
    WorkerInfo& w = entry(node);
    if (!w.pid) w.pid = stats.pid;
    w.uptime = stats.uptime;
    w.prefetch_count = stats.prefetch_count;
    w.concurrency = stats.concurrency;
    if (!stats.pool.empty()) w.pool = stats.pool;
    if (!w.processed) w.processed = stats.processed;
  }
  for (const auto& [node, queues] : replies.queues) entry(node).queues = queues;
  WorkersView view;
  view.timestamp = now_unix;
  for (auto& [name, w] : by_name) {
    view.online += w.status == "online";
    view.offline += w.status == "offline";
    view.unknown += w.status == "unknown";
    view.workers.push_back(std::move(w));
  }
  return view;
}

TasksView BuildTasksView(const ParsedReplies& replies, double now_unix) {
  TasksView view;
  view.timestamp = now_unix;
  for (const auto& [node, w] : replies.tasks) {
    view.active += std::ssize(w.active);
    view.reserved += std::ssize(w.reserved);
    view.scheduled += std::ssize(w.scheduled);
    view.workers.push_back(w);
  }
  return view;
}

void AddConsumers(const ParsedReplies& replies, QueuesView& queues) {
  // One pass over the replies, then one lookup per queue: counting per queue over every
  // worker's list was queues x workers x their queues (10^8 comparisons at 10 000 queues).
  std::unordered_map<std::string_view, std::int64_t> consumers;
  for (const auto& [node, names] : replies.queues) {
    const std::unordered_set<std::string_view> distinct(names.begin(), names.end());
    for (std::string_view name : distinct) ++consumers[name];
  }
  for (auto& q : queues.queues) {
    const auto it = consumers.find(q.name);
    q.consumers = it == consumers.end() ? 0 : it->second;
  }
}

std::vector<std::string> ConsumedQueues(const ParsedReplies& replies) {
  std::set<std::string> names;
  for (const auto& [node, queues] : replies.queues) names.insert(queues.begin(), queues.end());
  return {names.begin(), names.end()};
}

SummaryView BuildSummaryView(const WorkersView& workers, const TasksView& tasks,
                             const QueuesView& queues, double now_unix) {
  SummaryView s;
  s.timestamp = now_unix;
  s.workers_online = workers.online;
  s.workers_offline = workers.offline;
  s.tasks_active = tasks.active;
  s.tasks_reserved = tasks.reserved;
  s.tasks_scheduled = tasks.scheduled;
  s.queued_messages = queues.total_messages;
  s.unacked_messages = queues.unacked_total;
  s.queues = std::ssize(queues.queues);
  for (const auto& w : workers.workers) s.processed += w.processed.value_or(0);
  return s;
}

HealthView BuildHealthView(bool reachable, double rtt_ms, std::int64_t answering,
                           std::int64_t online, double now_unix) {
  HealthView h;
  h.timestamp = now_unix;
  h.broker_reachable = reachable;
  h.broker_rtt_ms = rtt_ms;
  h.workers_answering = answering;
  h.workers_online = online;
  // healthy: broker up and every live worker answers; degraded: broker up but no worker
  // answers or some live worker stays silent; unhealthy: broker unreachable.
  if (!reachable) {
    h.status = "unhealthy";
  } else if (answering > 0 && answering >= online) {
    h.status = "healthy";
  } else {
    h.status = "degraded";
  }
  return h;
}

}  // namespace queuemon::sources::celery
