// Queue figures of a RabbitMQ vhost holding Q queues, read the two ways AmqpQueues can
// (docs/celery-amqp-protocol.md §4), side by side in one run against one private
// rabbitmq-server (tests/testing/rabbitmq_server.h):
//   BM_ManagementRead      one GET of the management API (every queue of the vhost)
//   BM_PassiveDeclares     AmqpLink::DeclarePassive of the Q names: pipelined bursts of 256
//   BM_DeclaresOneByOne    celery-exporter's way: a passive declare per figure, two per queue,
//                          each waiting for its answer (Q <= 1000 only)
// Counters: round trips per read (AmqpLink's own count), queues in the management answer.
// Not a test: run by hand, figures go to BENCHMARKS.md.
//   cmake --build build/release --target amqp_queues_bench
//   build/release/bench/amqp_queues_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <stdexcept>

#include "amqp/link.h"
#include "amqp/management.h"
#include "tests/testing/io_context_threads.h"
#include "tests/testing/rabbitmq_server.h"
#include "tests/testing/subprocess_runner.h"

namespace {

using namespace queuemon;
using Steady = std::chrono::steady_clock;

// Declares bench-0 .. bench-(Q-1) (durable, as a Celery app's) with 3 messages each, by py-amqp.
constexpr const char* kFill = R"(
import sys, amqp
port, count = int(sys.argv[1]), int(sys.argv[2])
with amqp.Connection(f'127.0.0.1:{port}') as c:
    ch = c.channel()
    for i in range(count):
        ch.queue_declare(f'bench-{i}', durable=True, auto_delete=False)
        for _ in range(3):
            ch.basic_publish(amqp.Message('x'), routing_key=f'bench-{i}')
)";

struct World {
  testing::RabbitMqServer rabbit;
  testing::IoContextThreads io{1};
  std::unique_ptr<amqp::AmqpLink> link;
  std::vector<std::string> names;

  explicit World(int queues) {
    testing::ProcessSpec fill;
    fill.argv = {"/usr/bin/python3", "-c", kFill, std::to_string(rabbit.amqp_port()),
                 std::to_string(queues)};
    if (testing::RunProcess(fill, std::chrono::minutes(10)).exit_code != 0) {
      throw std::runtime_error("could not declare the queues");
    }
    for (int i = 0; i < queues; ++i) names.push_back("bench-" + std::to_string(i));
    amqp::AmqpOptions options;
    options.url = rabbit.amqp_url();
    options.command_timeout = std::chrono::seconds(30);
    link = std::make_unique<amqp::AmqpLink>(io.executor(), options, "bench");
    link->Start();
  }
};

World& WorldOf(int queues) {
  static std::map<int, std::unique_ptr<World>> worlds;
  auto it = worlds.find(queues);
  if (it == worlds.end()) {
    worlds.clear();  // one broker at a time
    it = worlds.emplace(queues, std::make_unique<World>(queues)).first;
  }
  return *it->second;
}

void BM_ManagementRead(benchmark::State& state) {
  World& world = WorldOf(static_cast<int>(state.range(0)));
  std::size_t queues = 0;
  for (auto _ : state) {
    auto read = world.io.Await(amqp::ReadManagementQueues(
        world.io.executor(), world.rabbit.management_url(), "/", Steady::now() + std::chrono::seconds(30),
        std::size_t{1} << 30));
    if (!read || read->size() < world.names.size()) state.SkipWithError("management read failed");
    queues = read ? read->size() : 0;
  }
  state.counters["queues"] = static_cast<double>(queues);
  state.counters["round_trips"] = 1;
}

void BM_PassiveDeclares(benchmark::State& state) {
  World& world = WorldOf(static_cast<int>(state.range(0)));
  const auto before = world.link->Stats().round_trips;
  for (auto _ : state) {
    auto statuses = world.io.Await(world.link->DeclarePassive(world.names));
    if (!statuses || !statuses->back() || statuses->back()->messages_ready != 3) {
      state.SkipWithError("passive declares failed");
    }
  }
  state.counters["round_trips"] = benchmark::Counter(
      static_cast<double>(world.link->Stats().round_trips - before), benchmark::Counter::kAvgIterations);
}

void BM_DeclaresOneByOne(benchmark::State& state) {
  World& world = WorldOf(static_cast<int>(state.range(0)));
  const auto before = world.link->Stats().round_trips;
  for (auto _ : state) {
    for (const std::string& name : world.names) {
      for (int figure = 0; figure < 2; ++figure) {  // consumers, then messages
        auto one = world.io.Await(world.link->DeclarePassive({name}));
        if (!one) state.SkipWithError("passive declare failed");
      }
    }
  }
  state.counters["round_trips"] = benchmark::Counter(
      static_cast<double>(world.link->Stats().round_trips - before), benchmark::Counter::kAvgIterations);
}

// Size by size, so each broker is filled once.
#define QUEUES_BENCH(fn, q) BENCHMARK(fn)->Arg(q)->Unit(benchmark::kMillisecond)->UseRealTime()
QUEUES_BENCH(BM_ManagementRead, 100);
QUEUES_BENCH(BM_PassiveDeclares, 100);
QUEUES_BENCH(BM_DeclaresOneByOne, 100);
QUEUES_BENCH(BM_ManagementRead, 1000);
QUEUES_BENCH(BM_PassiveDeclares, 1000);
QUEUES_BENCH(BM_DeclaresOneByOne, 1000);
QUEUES_BENCH(BM_ManagementRead, 10000);
QUEUES_BENCH(BM_PassiveDeclares, 10000);

}  // namespace

BENCHMARK_MAIN();
