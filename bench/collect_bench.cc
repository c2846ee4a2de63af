// One full collection (workers + queues + tasks views) by CelerySource against a real
// redis-server and two real Celery workers, next to `celery inspect` for scale.
// Not a test: run by hand, figures go to bench/notes/collection.md.
//   cmake --build build/rel --target collect_bench && build/rel/bench/collect_bench
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>

#include "base/clock.h"
#include "sources/celery/redis/celery_source.h"
#include "tests/testing/celery_workers.h"
#include "tests/testing/io_context_threads.h"
#include "tests/testing/redis_server.h"

namespace {

using namespace queuemon;

struct World {
  testing::RedisServer redis;
  testing::CeleryWorkers workers{redis.url(0), "/tmp/queuemon_collect_bench_logs"};
  testing::IoContextThreads io{2};
  queuemon::base::SteadyClock clock;
  std::unique_ptr<queuemon::sources::celery::over_redis::CelerySource> collector;

  World() {
    testing::CeleryWorkerSpec w1, w2;
    w1.name = "w1";
    w2.name = "w2";
    w2.task_events = false;
    workers.Start({w1, w2});
    queuemon::sources::celery::over_redis::CeleryOptions options;
    options.broker.url = redis.url(0);
    collector = std::make_unique<queuemon::sources::celery::over_redis::CelerySource>(io.executor(), options, clock);
    collector->Start();
  }
  ~World() { collector->Stop(); }

  void Collect(queuemon::sources::View view) {
    auto r = io.Await(collector->Collect(queuemon::sources::ViewRequest{view, ""}));
    if (!r) throw std::runtime_error("collect failed: " + r.error().message());
    benchmark::DoNotOptimize(r->body.data());
  }
};

World* world = nullptr;

void BM_FullCollection(benchmark::State& state) {
  for (auto _ : state) {
    world->Collect(queuemon::sources::View::kWorkers);
    world->Collect(queuemon::sources::View::kQueues);
    world->Collect(queuemon::sources::View::kTasks);
  }
}
BENCHMARK(BM_FullCollection)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

// The same three views loaded concurrently, as the daemon's detached cache loads run.
void BM_FullCollectionConcurrent(benchmark::State& state) {
  using queuemon::sources::View;
  for (auto _ : state) {
    std::vector<std::future<boost::system::result<queuemon::sources::Collected>>> loads;
    for (View view : {View::kWorkers, View::kQueues, View::kTasks}) {
      loads.push_back(boost::asio::co_spawn(
          world->io.context(), world->collector->Collect({view, ""}), boost::asio::use_future));
    }
    for (auto& load : loads) {
      if (!load.get()) state.SkipWithError("collect failed");
    }
  }
}
BENCHMARK(BM_FullCollectionConcurrent)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

void BM_View(benchmark::State& state) {
  const auto view = static_cast<queuemon::sources::View>(state.range(0));
  state.SetLabel(queuemon::sources::ViewKey(view));
  for (auto _ : state) world->Collect(view);
}
BENCHMARK(BM_View)
    ->Arg(static_cast<int>(queuemon::sources::View::kWorkers))
    ->Arg(static_cast<int>(queuemon::sources::View::kQueues))
    ->Arg(static_cast<int>(queuemon::sources::View::kTasks))
    ->Arg(static_cast<int>(queuemon::sources::View::kSummary))
    ->Arg(static_cast<int>(queuemon::sources::View::kHealth))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);

// `celery inspect stats` (CLI process, idle-timeout 1 s) for scale: a few runs only.
void BM_CeleryInspectStatsCli(benchmark::State& state) {
  for (auto _ : state) {
    auto r = world->workers.CeleryCli({"inspect", "stats", "--json"});
    if (r.exit_code != 0) state.SkipWithError("celery inspect failed");
  }
}
BENCHMARK(BM_CeleryInspectStatsCli)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  World w;
  world = &w;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  world = nullptr;
  return 0;
}
