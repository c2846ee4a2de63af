// One collection of the workers and of the queues views by RqSource and SidekiqSource against a
// real redis-server holding W workers and Q queues (registered with the libraries' own calls:
// tests/rq_app/ctl.py simulate, tests/sidekiq_app/ctl.rb simulate), and, in the same run, what
// a dashboard built on the libraries' own APIs reads per poll (ctl time-api: RQ's Worker.all +
// Queue.count per queue; Sidekiq's ProcessSet + Stats + Queue#size/latency per queue).
// Not a test: run by hand, figures go to BENCHMARKS.md.
//   cmake --build build/release --target keyspace_bench
//   QUEUEMON_SOURCE_DIR=$PWD build/release/bench/keyspace_bench
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include "base/clock.h"
#include "sources/rq/rq_source.h"
#include "sources/sidekiq/sidekiq_source.h"
#include "tests/testing/io_context_threads.h"
#include "tests/testing/job_queue_apps.h"
#include "tests/testing/redis_server.h"

namespace {

using namespace queuemon;

// One redis per (workers, queues) size, both kinds in it (db 0: RQ, db 1: Sidekiq).
struct World {
  testing::RedisServer redis;
  testing::IoContextThreads io{2};
  base::SteadyClock clock;
  std::unique_ptr<sources::rq::RqSource> rq;
  std::unique_ptr<sources::sidekiq::SidekiqSource> sidekiq;
  std::string logs = "/tmp/queuemon_keyspace_bench_logs";

  World(int workers, int queues) {
    std::filesystem::create_directories(logs);
    const std::string w = std::to_string(workers), q = std::to_string(queues);
    testing::JobQueueApp::Rq(redis.url(0), logs).Ctl({"simulate", w, q}, std::chrono::minutes(5));
    testing::JobQueueApp::Sidekiq(redis.url(1), logs).Ctl({"simulate", w, q}, std::chrono::minutes(5));
    sources::rq::RqOptions rq_options;
    rq_options.redis.url = redis.url(0);
    rq_options.redis.command_timeout = std::chrono::seconds(10);
    rq = std::make_unique<sources::rq::RqSource>(io.executor(), rq_options, clock);
    sources::sidekiq::SidekiqOptions sk_options;
    sk_options.redis.url = redis.url(1);
    sk_options.redis.command_timeout = std::chrono::seconds(10);
    sidekiq = std::make_unique<sources::sidekiq::SidekiqSource>(io.executor(), sk_options, clock);
  }
  ~World() {
    rq->Stop();
    sidekiq->Stop();
  }
};

World& WorldOf(int workers, int queues) {
  static std::map<std::pair<int, int>, std::unique_ptr<World>> worlds;
  auto& world = worlds[{workers, queues}];
  if (!world) world = std::make_unique<World>(workers, queues);
  return *world;
}

void Collect(benchmark::State& state, sources::Source& source, sources::View view, World& world) {
  for (auto _ : state) {
    auto collected = world.io.Await(source.Collect(sources::ViewRequest{view, {}}), std::chrono::seconds(30));
    if (!collected) state.SkipWithError("collection failed");
  }
}

void BM_RqWorkers(benchmark::State& s) {
  World& w = WorldOf(s.range(0), s.range(1));
  Collect(s, *w.rq, sources::View::kWorkers, w);
}
void BM_RqQueues(benchmark::State& s) {
  World& w = WorldOf(s.range(0), s.range(1));
  Collect(s, *w.rq, sources::View::kQueues, w);
}
void BM_SidekiqWorkers(benchmark::State& s) {
  World& w = WorldOf(s.range(0), s.range(1));
  Collect(s, *w.sidekiq, sources::View::kWorkers, w);
}
void BM_SidekiqQueues(benchmark::State& s) {
  World& w = WorldOf(s.range(0), s.range(1));
  Collect(s, *w.sidekiq, sources::View::kQueues, w);
}

// The libraries' own API, timed inside the interpreter (no start-up), reported as a counter.
void BM_LibraryApi(benchmark::State& s, bool rq) {
  World& w = WorldOf(s.range(0), s.range(1));
  auto app = rq ? testing::JobQueueApp::Rq(w.redis.url(0), w.logs)
                : testing::JobQueueApp::Sidekiq(w.redis.url(1), w.logs);
  double median_ms = 0;
  for (auto _ : s) {
    median_ms = app.CtlJson({"time-api", "15"})["median_ms"].get<double>();
  }
  s.counters["api_median_ms"] = median_ms;
}
void BM_RqApi(benchmark::State& s) { BM_LibraryApi(s, true); }
void BM_SidekiqApi(benchmark::State& s) { BM_LibraryApi(s, false); }

#define SIZES ->Args({200, 100})->Args({1000, 1000})->Unit(benchmark::kMillisecond)
BENCHMARK(BM_RqWorkers) SIZES;
BENCHMARK(BM_RqQueues) SIZES;
BENCHMARK(BM_RqApi) SIZES->Iterations(1);
BENCHMARK(BM_SidekiqWorkers) SIZES;
BENCHMARK(BM_SidekiqQueues) SIZES;
BENCHMARK(BM_SidekiqApi) SIZES->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
