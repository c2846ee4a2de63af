// Reply-body parsers. nlohmann_json with exceptions off: parse(..., false) and typed lookups
// that check is_*() first, so no input can throw.
#include "sources/celery/inspect_replies.h"

#include <nlohmann/json.hpp>

#include "sources/errors.h"

namespace queuemon::sources::celery {
namespace {

using boost::system::result;
using nlohmann::json;

boost::system::error_code Malformed(std::string* why, std::string reason) {
  if (why != nullptr) *why = std::move(reason);
  return MakeErrorCode(Errc::kMalformedReply);
}

// Splits `{"<node>": <result>}` into its single member; refuses handler errors.
// Members of a result the parser may skip: at 1 000 workers a collection parses megabytes of
// replies, and not building what no view reads is a good part of its cost (BENCHMARKS.md
// "Issue 16"). `depth` counts from the body ({"<node>": result}): the result's own members are
// at depth 2, those of the objects in a result list at depth 3.
using SkipMember = bool (*)(int depth, const std::string& key);

// A stats result's rusage and broker: half its bytes, never read.
bool SkipStatsMember(int depth, const std::string& key) {
  return depth == 2 && (key == "rusage" || key == "broker");
}

// An active_queues entry is read for its name only.
bool SkipAllButQueueName(int depth, const std::string& key) { return depth == 3 && key != "name"; }

result<std::pair<std::string, json>> SplitNode(std::string_view body, std::string* why,
                                               SkipMember skip = nullptr) {
  json::parser_callback_t keep = nullptr;
  if (skip != nullptr) {
    keep = [skip](int depth, json::parse_event_t event, json& parsed) {
      return event != json::parse_event_t::key || !parsed.is_string() ||
             !skip(depth, parsed.get_ref<const std::string&>());
    };
  }
  json doc = json::parse(body, keep, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Malformed(why, "reply body is not a JSON object");
  if (doc.size() != 1) return Malformed(why, "reply body must name exactly one node");
  auto it = doc.begin();
  if (it.key().empty()) return Malformed(why, "reply body has an empty node name");
  if (it->is_object() && it->size() == 1 && it->contains("error")) {
    return Malformed(why, "worker " + it.key() + " answered with an error: " +
                              it->at("error").dump(-1, ' ', false, json::error_handler_t::replace));
  }
  return std::pair<std::string, json>(it.key(), std::move(*it));
}

std::optional<std::int64_t> Int(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  if (it->is_number_integer() || it->is_number_unsigned()) return it->get<std::int64_t>();
  if (it->is_number_float()) {
    const double d = it->get<double>();
    // Out-of-range float-to-int conversion is UB; such a value is simply absent.
    if (!(d > -9.0e18 && d < 9.0e18)) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::optional<double> Double(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string String(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// args/kwargs: a repr string as-is, anything else as compact JSON text.
std::string Text(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump(-1, ' ', false, json::error_handler_t::replace);
}

// "celery.concurrency.prefork:TaskPool" -> "prefork".
std::string PoolName(const std::string& implementation) {
  std::string name = implementation.substr(0, implementation.find(':'));
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

// Celery 5.2's stats carry no pool name, only each pool's _get_info() dict, whose keys differ by
// pool: prefork reports "writes", solo mimics prefork's keys without it, the thread pool reports
// "threads", eventlet/gevent "free-threads". "" when the shape is not one of these.
std::string PoolFromInfo(const json& pool) {
  const std::string implementation = String(pool, "implementation");
  if (!implementation.empty()) return PoolName(implementation);
  if (pool.contains("writes")) return "prefork";
  if (pool.contains("free-threads")) return "greenlet";
  if (pool.contains("threads")) return "threads";
  if (pool.contains("processes")) return "solo";
  return "";
}

TaskBrief TaskFromRequest(const json& request) {
  TaskBrief task;
  task.id = String(request, "id");
  task.name = String(request, "name");
  if (task.name.empty()) task.name = String(request, "type");
  task.args = Text(request, "args");
  task.kwargs = Text(request, "kwargs");
  task.time_start = Double(request, "time_start");
  task.worker_pid = Int(request, "worker_pid");
  const auto ack = request.find("acknowledged");
  task.acknowledged = ack != request.end() && ack->is_boolean() && ack->get<bool>();
  const auto info = request.find("delivery_info");
  if (info != request.end() && info->is_object()) {
    task.routing_key = String(*info, "routing_key");
    task.priority = Int(*info, "priority");
  }
  return task;
}

result<std::vector<std::string>> Names(const json& list, const char* field, std::string* why) {
  if (!list.is_array()) return Malformed(why, "expected a list");
  std::vector<std::string> names;
  for (const auto& item : list) {
    if (field == nullptr && item.is_string()) {
      names.push_back(item.get<std::string>());
    } else if (field != nullptr && item.is_object() && item.contains(field) &&
               item.at(field).is_string()) {
      names.push_back(item.at(field).get<std::string>());
    } else {
      return Malformed(why, "unexpected list entry");
    }
  }
  return names;
}

}  // namespace

result<NodeReply<NodeStats>> ParseStatsReply(std::string_view body, std::string* why) {
  auto split = SplitNode(body, why, SkipStatsMember);
  if (!split) return split.error();
  const json& doc = split->second;
  if (!doc.is_object()) return Malformed(why, "stats result is not an object");
  NodeStats stats;
  stats.pid = Int(doc, "pid");
  stats.uptime = Int(doc, "uptime");
  stats.prefetch_count = Int(doc, "prefetch_count");
  const auto pool = doc.find("pool");
  if (pool != doc.end() && pool->is_object()) {
    stats.concurrency = Int(*pool, "max-concurrency");
    stats.pool = PoolFromInfo(*pool);
  }
  const auto total = doc.find("total");
  if (total != doc.end() && total->is_object()) {
    std::int64_t sum = 0;
    for (const auto& count : *total) {
      if (count.is_number_integer()) sum += count.get<std::int64_t>();
    }
    stats.processed = sum;
  }
  return NodeReply<NodeStats>{std::move(split->first), std::move(stats)};
}

result<TaskListReply> ParseTaskListReply(std::string_view body, std::string* why) {
  auto split = SplitNode(body, why);
  if (!split) return split.error();
  if (!split->second.is_array()) return Malformed(why, "task list result is not a list");
  TaskListReply reply{std::move(split->first), {}};
  for (const auto& request : split->second) {
    if (!request.is_object()) return Malformed(why, "task list entry is not an object");
    reply.value.push_back(TaskFromRequest(request));
  }
  return reply;
}

result<TaskListReply> ParseScheduledReply(std::string_view body, std::string* why) {
  auto split = SplitNode(body, why);
  if (!split) return split.error();
  if (!split->second.is_array()) return Malformed(why, "scheduled result is not a list");
  TaskListReply reply{std::move(split->first), {}};
  for (const auto& entry : split->second) {
    if (!entry.is_object() || !entry.contains("request") || !entry.at("request").is_object()) {
      return Malformed(why, "scheduled entry has no request object");
    }
    TaskBrief task = TaskFromRequest(entry.at("request"));
    // The entry's own "priority" is the worker's timer priority; keep the message's.
    const std::string eta = String(entry, "eta");
    if (!eta.empty()) task.eta = eta;
    reply.value.push_back(std::move(task));
  }
  return reply;
}

result<NodeReply<std::vector<std::string>>> ParseActiveQueuesReply(std::string_view body,
                                                                   std::string* why) {
  auto split = SplitNode(body, why, SkipAllButQueueName);
  if (!split) return split.error();
  auto names = Names(split->second, "name", why);
  if (!names) return names.error();
  return NodeReply<std::vector<std::string>>{std::move(split->first), std::move(*names)};
}

result<NodeReply<bool>> ParsePingReply(std::string_view body, std::string* why) {
  auto split = SplitNode(body, why);
  if (!split) return split.error();
  const json& doc = split->second;
  if (!doc.is_object()) return Malformed(why, "ping result is not an object");
  return NodeReply<bool>{std::move(split->first), String(doc, "ok") == "pong"};
}

std::optional<std::string> AnsweringNode(std::string_view body) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || doc.size() != 1) return std::nullopt;
  return doc.begin().key();
}

result<std::string> ReplyNode(std::string_view body, std::string* why) {
  auto split = SplitNode(body, why);
  if (!split) return split.error();
  return std::move(split->first);
}

}  // namespace queuemon::sources::celery
