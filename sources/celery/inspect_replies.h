#pragma once
// Parsers for the bodies of pidbox replies, `{"<node>": <result>}` (celery-redis-protocol.md
// §2.4), into the structs of typed_views.h. Pure functions; thread-safe. A body of the wrong shape
// (not one node, an {"error": ...} result, a list where an object belongs) yields
// sources::Errc::kMalformedReply with a reason in `why`. Fields of the wrong type inside an otherwise
// well-shaped reply are treated as absent, so one odd field never drops a worker.

#include <boost/system/result.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sources/typed_views.h"

namespace queuemon::sources::celery {

template <typename T>
struct NodeReply {
  std::string node;  // "w1@host"
  T value;
};

// What `stats` tells about a worker that the views use.
struct NodeStats {
  std::optional<std::int64_t> pid, uptime, prefetch_count, concurrency;
  std::string pool;                       // "prefork", "solo", ... from pool.implementation
  std::optional<std::int64_t> processed;  // sum of "total" (tasks processed per name)
};

using TaskListReply = NodeReply<std::vector<TaskBrief>>;

boost::system::result<NodeReply<NodeStats>> ParseStatsReply(std::string_view body,
                                                            std::string* why = nullptr);
// `active` and `reserved` share one shape.
boost::system::result<TaskListReply> ParseTaskListReply(std::string_view body,
                                                        std::string* why = nullptr);
boost::system::result<TaskListReply> ParseScheduledReply(std::string_view body,
                                                         std::string* why = nullptr);
// Queue names consumed by the worker.
boost::system::result<NodeReply<std::vector<std::string>>> ParseActiveQueuesReply(
    std::string_view body, std::string* why = nullptr);

// true when the worker answered {"ok": "pong"}.
boost::system::result<NodeReply<bool>> ParsePingReply(std::string_view body,
                                                      std::string* why = nullptr);

// Only the node name of a body, for replies whose content is not needed.
boost::system::result<std::string> ReplyNode(std::string_view body, std::string* why = nullptr);

// The node that sent a reply body ({"<node>": <anything>}), error answers included: who
// answered a round, whatever it answered. nullopt when the body names no single node.
std::optional<std::string> AnsweringNode(std::string_view body);

}  // namespace queuemon::sources::celery
