#include "bench/cluster_sim/sim_wire.h"

#include <cstdio>

#include "sources/celery/pidbox_codec.h"

namespace queuemon::bench {
namespace {

using nlohmann::json;
using sources::celery::Base64Encode;
using sources::celery::NewUuid;

constexpr std::size_t kMaxRequestBytes = 1 << 20;

json DeliveryInfo(const std::string& queue) {
  return {{"exchange", ""}, {"routing_key", queue}, {"priority", 0}, {"redelivered", nullptr}};
}

json Request(const SimWorker& worker, const SimTask& task, bool started) {
  return {{"id", task.id},
          {"name", task.name},
          {"args", json::array({task.arg})},
          {"kwargs", json::object()},
          {"type", task.name},
          {"hostname", worker.hostname},
          {"time_start", started ? json(1796216035.9101503) : json(nullptr)},
          {"acknowledged", started},
          {"delivery_info", DeliveryInfo(worker.queues.front())},
          {"worker_pid", started ? json(worker.pid + 1) : json(nullptr)}};
}

json Stats(const SimWorker& w) {
  json processes = json::array();
  for (std::int64_t k = 1; k <= w.concurrency; ++k) processes.push_back(w.pid + k);
  return {{"total", w.processed ? json{{"tasks.sleepy", w.processed}} : json::object()},
          {"pid", w.pid},
          {"clock", "22"},
          {"uptime", 3600},
          {"pool",
           {{"max-concurrency", w.concurrency},
            {"processes", processes},
            {"max-tasks-per-child", "N/A"},
            {"put-guarded-by-semaphore", false},
            {"timeouts", {0, 0}},
            {"writes",
             {{"total", w.processed}, {"avg", "1.00"}, {"all", "1.00"}, {"raw", "1"},
              {"strategy", "fair"}, {"inqueues", {{"total", w.concurrency}, {"active", 0}}}}}}},
          {"broker",
           {{"hostname", "127.0.0.1"}, {"userid", nullptr}, {"virtual_host", "0"}, {"port", 6379},
            {"insist", false}, {"ssl", false}, {"transport", "redis"}, {"connect_timeout", 4},
            {"transport_options", json::object()}, {"login_method", nullptr},
            {"uri_prefix", nullptr}, {"heartbeat", 120.0}, {"failover_strategy", "round-robin"},
            {"alternates", json::array()}}},
          {"prefetch_count", w.prefetch_count},
          {"rusage",
           {{"utime", 0.593698}, {"stime", 0.51512}, {"maxrss", 45408}, {"ixrss", 0},
            {"idrss", 0}, {"isrss", 0}, {"minflt", 16083}, {"majflt", 12}, {"nswap", 0},
            {"inblock", 6624}, {"oublock", 56}, {"msgsnd", 0}, {"msgrcv", 0}, {"nsignals", 0},
            {"nvcsw", 360}, {"nivcsw", 176}}}};
}

json ActiveQueue(const std::string& name) {
  return {{"name", name},
          {"exchange",
           {{"name", name}, {"type", "direct"}, {"arguments", nullptr}, {"durable", true},
            {"passive", false}, {"auto_delete", false}, {"delivery_mode", nullptr},
            {"no_declare", false}}},
          {"routing_key", name}, {"queue_arguments", nullptr}, {"binding_arguments", nullptr},
          {"consumer_arguments", nullptr}, {"durable", true}, {"exclusive", false},
          {"auto_delete", false}, {"no_ack", false}, {"alias", nullptr},
          {"bindings", json::array()}, {"no_declare", nullptr}, {"expires", nullptr},
          {"message_ttl", nullptr}, {"max_length", nullptr}, {"max_length_bytes", nullptr},
          {"max_priority", nullptr}};
}

json Scheduled(const SimWorker& worker, const SimTask& task) {
  return {{"eta", "2026-12-02T12:54:25.898610+00:00"},
          {"priority", 6},
          {"request", Request(worker, task, false)}};
}

std::vector<std::string> Strings(const json& value) {
  std::vector<std::string> out;
  if (!value.is_array()) return out;
  for (const json& item : value) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

json InspectResult(const SimWorker& worker, std::string_view method) {
  json out = json::array();
  if (method == "ping") return {{"ok", "pong"}};
  if (method == "stats") return Stats(worker);
  if (method == "active_queues") {
    for (const std::string& q : worker.queues) out.push_back(ActiveQueue(q));
  } else if (method == "active") {
    for (const SimTask& t : worker.active) out.push_back(Request(worker, t, true));
  } else if (method == "reserved") {
    for (const SimTask& t : worker.reserved) out.push_back(Request(worker, t, false));
  } else if (method == "scheduled") {
    for (const SimTask& t : worker.scheduled) out.push_back(Scheduled(worker, t));
  } else {
    return {{"error", "KeyError('" + std::string(method) + "')"}};
  }
  return out;
}

std::optional<PidboxCall> ParsePidboxCall(std::string_view envelope) {
  auto body = sources::celery::DecodeEnvelopeBody(envelope, kMaxRequestBytes);
  if (!body) return std::nullopt;
  const json request = json::parse(*body, nullptr, false);
  if (!request.is_object() || !request.value("method", json()).is_string()) return std::nullopt;
  PidboxCall call;
  call.method = request["method"].get<std::string>();
  call.destination = Strings(request.value("destination", json()));
  if (request.value("ticket", json()).is_string()) call.ticket = request["ticket"].get<std::string>();
  const json reply_to = request.value("reply_to", json());
  if (reply_to.is_object()) {
    call.reply_exchange = reply_to.value("exchange", "");
    call.reply_routing_key = reply_to.value("routing_key", "");
  }
  return call;
}

std::string ReplyEnvelope(const std::string& hostname, const std::string& result_json,
                          const PidboxCall& call, long clock) {
  const std::string body = "{\"" + hostname + "\": " + result_json + "}";
  return json{{"body", Base64Encode(body)},
              {"content-encoding", "utf-8"},
              {"content-type", "application/json"},
              {"headers", {{"ticket", call.ticket}, {"clock", clock}}},
              {"properties",
               {{"delivery_mode", 1},
                {"delivery_info",
                 {{"exchange", call.reply_exchange}, {"routing_key", call.reply_routing_key}}},
                {"priority", 0},
                {"body_encoding", "base64"},
                {"delivery_tag", NewUuid()}}}}
      .dump();
}

std::string WorkerEventEnvelope(const SimWorker& worker, std::string_view type, double now_unix,
                                long clock) {
  const json body = {{"hostname", worker.hostname}, {"utcoffset", 0},
                     {"pid", worker.pid},           {"clock", clock},
                     {"freq", 2.0},                 {"active", worker.active.size()},
                     {"processed", worker.processed}, {"loadavg", {1.58, 1.5, 1.66}},
                     {"sw_ident", "py-celery"},     {"sw_ver", "5.2.6"},
                     {"sw_sys", "Linux"},           {"timestamp", now_unix},
                     {"type", type}};
  std::string routing_key(type);
  routing_key[routing_key.find('-')] = '.';
  return json{{"body", Base64Encode(body.dump())},
              {"content-encoding", "utf-8"},
              {"content-type", "application/json"},
              {"headers", {{"hostname", worker.hostname}}},
              {"properties",
               {{"delivery_mode", 1},
                {"delivery_info", {{"exchange", "celeryev"}, {"routing_key", routing_key}}},
                {"priority", 0},
                {"body_encoding", "base64"},
                {"delivery_tag", NewUuid()}}}}
      .dump();
}

std::string TaskMessage(const std::string& queue, std::size_t n) {
  char id[64];
  std::snprintf(id, sizeof id, "11111111-0000-4000-8000-%012zu", n);
  const std::string body = R"([[1], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}])";
  return json{{"body", Base64Encode(body)},
              {"content-encoding", "utf-8"},
              {"content-type", "application/json"},
              {"headers",
               {{"lang", "py"}, {"task", "tasks.sleepy"}, {"id", id}, {"shadow", nullptr},
                {"eta", nullptr}, {"expires", nullptr}, {"group", nullptr},
                {"group_index", nullptr}, {"retries", 0}, {"timelimit", {nullptr, nullptr}},
                {"root_id", id}, {"parent_id", nullptr}, {"argsrepr", "(1,)"},
                {"kwargsrepr", "{}"}, {"origin", "gen1@cluster"}, {"ignore_result", false}}},
              {"properties",
               {{"correlation_id", id}, {"reply_to", "b6998f6a-6020-37de-94f8-f82c5b43ab28"},
                {"delivery_mode", 2},
                {"delivery_info", {{"exchange", ""}, {"routing_key", queue}}},
                {"priority", 0}, {"body_encoding", "base64"}, {"delivery_tag", NewUuid()}}}}
      .dump();
}

}  // namespace queuemon::bench
