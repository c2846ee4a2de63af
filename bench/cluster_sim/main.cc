// cluster_sim: N simulated Celery workers and Q queues on a Redis (cluster_sim.h), until
// SIGINT/SIGTERM. Prints "ready" once every worker is subscribed, and its counts at exit.
//   cluster_sim --redis redis://127.0.0.1:6379/0 --workers 1000 --queues 10000
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "bench/cluster_sim/cluster_sim.h"

namespace {

// One pub/sub socket per simulated worker: lift the soft descriptor limit to the hard one.
void RaiseDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int Usage() {
  std::fprintf(stderr, "usage: cluster_sim --redis URL [--workers N] [--queues Q]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  queuemon::bench::ClusterShape shape;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--redis") {
      url = argv[i + 1];
    } else if (flag == "--workers") {
      shape.workers = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (flag == "--queues") {
      shape.queues = std::strtoull(argv[i + 1], nullptr, 10);
    } else {
      return Usage();
    }
  }
  if (url.empty() || argc % 2 == 0) return Usage();
  RaiseDescriptorLimit();
  // Blocked before any thread starts, so that every thread leaves them to sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  int code = 0;
  {
    queuemon::bench::ClusterSimulator sim(io.get_executor(), url, shape);
    if (auto populated = sim.Populate(); !populated) {
      std::fprintf(stderr, "cluster_sim: populate failed: %s\n", populated.error().message().c_str());
      code = 1;
    } else {
      sim.Start();
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (!sim.Subscribed() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a CLI's poll, not a test
      }
      if (!sim.Subscribed()) {
        std::fprintf(stderr, "cluster_sim: not every worker subscribed within 60 s\n");
        code = 1;
      } else {
        std::printf("ready\n");
        std::fflush(stdout);
        int received = 0;
        sigwait(&signals, &received);
      }
      sim.Stop();
      const auto counts = sim.counts();
      std::printf("{\"requests\": %llu, \"replies\": %llu, \"heartbeats\": %llu}\n",
                  static_cast<unsigned long long>(counts.requests),
                  static_cast<unsigned long long>(counts.replies),
                  static_cast<unsigned long long>(counts.heartbeats));
    }
  }
  guard.reset();
  io.stop();
  runner.join();
  return code;
}
