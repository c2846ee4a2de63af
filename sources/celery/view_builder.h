#pragma once
// Assembly of the views from already-fetched parts: the worker table, parsed inspect replies
// and queue depths. Pure functions (no I/O), thread-safe; unit-tested without Redis.
//
// Worker status: any proof of life makes a worker "online": a recent event in the table, or a
// reply in this view's inspect round (so right after the daemon started, or while the event
// subscription is down, a worker that answers is online, not "unknown"). A worker the table
// holds that neither sent a recent event nor answered is "offline".

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sources/celery/inspect_replies.h"
#include "sources/typed_views.h"

namespace queuemon::sources::celery {

// Inspect replies of one round, parsed and keyed by node.
struct ParsedReplies {
  std::map<std::string, NodeStats> stats;
  std::map<std::string, std::vector<std::string>> queues;  // active_queues
  std::map<std::string, WorkerTasks> tasks;                // active/reserved/scheduled
  std::set<std::string> pong;                              // ping answered
  std::uint64_t malformed = 0;
};

// `bodies`: method -> decoded reply bodies. Bodies that do not parse are counted in
// `malformed` and logged (spdlog, debug level with the reason), never fatal.
ParsedReplies ParseReplies(const std::map<std::string, std::vector<std::string>>& bodies);

WorkersView BuildWorkersView(std::vector<WorkerInfo> table, const ParsedReplies& replies,
                             double now_unix);
TasksView BuildTasksView(const ParsedReplies& replies, double now_unix);
// Sets each queue's consumers from active_queues.
void AddConsumers(const ParsedReplies& replies, QueuesView& queues);
SummaryView BuildSummaryView(const WorkersView& workers, const TasksView& tasks,
                             const QueuesView& queues, double now_unix);
HealthView BuildHealthView(bool reachable, double rtt_ms, std::int64_t answering,
                           std::int64_t online, double now_unix);

// Every queue name in active_queues replies.
std::vector<std::string> ConsumedQueues(const ParsedReplies& replies);

}  // namespace queuemon::sources::celery
