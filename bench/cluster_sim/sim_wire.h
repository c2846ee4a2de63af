#pragma once
// What a simulated worker puts on the wire, shaped like Celery 5.2.6's own (captured from a real
// worker; celery-redis-protocol.md §2.4, §4, §6): inspect results per method, the kombu reply
// envelope, worker events and task messages for the queue lists. Pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/cluster_sim/cluster_model.h"

namespace queuemon::bench {

// The methods a simulated worker answers; anything else gets Celery's error reply.
inline constexpr const char* kSimMethods[] = {"ping",   "stats",    "active_queues",
                                              "active", "reserved", "scheduled"};

// The result a worker gives for `method` (the value under its node name in the reply body).
nlohmann::json InspectResult(const SimWorker& worker, std::string_view method);

// A decoded pidbox request, as far as a worker reads it.
struct PidboxCall {
  std::string method;
  std::vector<std::string> destination;  // empty: every worker
  std::string ticket;
  std::string reply_exchange, reply_routing_key;  // empty routing key: no reply (a cast)
};
std::optional<PidboxCall> ParsePidboxCall(std::string_view envelope);

// The reply envelope a worker LPUSHes: body = base64 of {"<hostname>": result}.
std::string ReplyEnvelope(const std::string& hostname, const std::string& result_json,
                          const PidboxCall& call, long clock);

// A worker event envelope ("worker-online", "worker-heartbeat", "worker-offline") published
// on "/<db>.celeryev/worker.<kind>".
std::string WorkerEventEnvelope(const SimWorker& worker, std::string_view type, double now_unix,
                                long clock);

// One task message (protocol 2) as it sits in a queue list.
std::string TaskMessage(const std::string& queue, std::size_t n);

}  // namespace queuemon::bench
