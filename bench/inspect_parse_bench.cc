// What one inspect reply costs queuemond to read, per method, on one core without Redis: the
// envelope (the kombu JSON around a base64 body) and the reply body, shaped as Celery 5.2.6's
// (bench/cluster_sim/sim_wire.h, checked against a real worker by e2e_scale_test). A collection
// of the workers view at 1 000 workers reads 1 000 stats and 1 000 active_queues replies.
//  - BM_ReadReply/<method>: DecodePidboxReply + the method's parser, as the daemon does.
//  - BM_ReadReplyAsDom/<method>: the same read through full DOMs (the envelope parsed whole,
//    the body parsed whole), the way it was done before issue 16: the baseline, side by side.
//   cmake --build build/release --target inspect_parse_bench && build/release/bench/inspect_parse_bench
#include <benchmark/benchmark.h>

#include <string>

#include <nlohmann/json.hpp>

#include "bench/cluster_sim/cluster_model.h"
#include "bench/cluster_sim/sim_wire.h"
#include "sources/celery/inspect_replies.h"
#include "sources/celery/pidbox_codec.h"

namespace queuemon::bench {
namespace {

using nlohmann::json;

const char* const kMethods[] = {"stats", "active_queues", "active"};

// The reply of worker 1 of a 1 000-worker, 1 000-queue cluster: it consumes celery and one
// queue, and runs one task.
std::string Envelope(const char* method) {
  const ClusterModel model(ClusterShape{1000, 1000});
  PidboxCall call;
  call.method = method;
  call.ticket = "d461ee02-16fb-4455-a248-998188709ea6";
  call.reply_exchange = "reply.celery.pidbox";
  call.reply_routing_key = "535c024e-fafb-331b-9ce0-9e8163f90874";
  const SimWorker worker = model.Worker(1);
  return ReplyEnvelope(worker.hostname, InspectResult(worker, method).dump(), call, 7);
}

std::size_t Parse(const char* method, const std::string& body) {
  const std::string_view m = method;
  if (m == "stats") return sources::celery::ParseStatsReply(body).has_value();
  if (m == "active_queues") return sources::celery::ParseActiveQueuesReply(body).has_value();
  return sources::celery::ParseTaskListReply(body).has_value();
}

void BM_ReadReply(benchmark::State& state) {
  const char* method = kMethods[state.range(0)];
  const std::string envelope = Envelope(method);
  for (auto _ : state) {
    auto reply = sources::celery::DecodePidboxReply(envelope, 1 << 20);
    benchmark::DoNotOptimize(Parse(method, reply->body));
  }
  state.SetLabel(std::string(method) + " " + std::to_string(envelope.size()) + " B");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * envelope.size()));
}
BENCHMARK(BM_ReadReply)->DenseRange(0, 2);

void BM_ReadReplyAsDom(benchmark::State& state) {
  const char* method = kMethods[state.range(0)];
  const std::string envelope = Envelope(method);
  for (auto _ : state) {
    const json doc = json::parse(envelope);
    const std::string ticket = doc["headers"]["ticket"].get<std::string>();
    auto body = sources::celery::Base64Decode(doc["body"].get_ref<const std::string&>());
    const json parsed = json::parse(*body);
    benchmark::DoNotOptimize(ticket.size() + parsed.size());
  }
  state.SetLabel(std::string(method) + " " + std::to_string(envelope.size()) + " B");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * envelope.size()));
}
BENCHMARK(BM_ReadReplyAsDom)->DenseRange(0, 2);

}  // namespace
}  // namespace queuemon::bench

BENCHMARK_MAIN();
