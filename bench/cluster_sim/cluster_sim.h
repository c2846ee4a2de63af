#pragma once
// ClusterSimulator: N Celery workers and Q queues on a real Redis, in one process, behaving on
// the wire as Celery 5.2.6 workers do (celery-redis-protocol.md), so that queuemond can be
// measured and tested at cluster sizes no test machine could run as real workers.
//
// - Each worker has its own pub/sub connection PSUBSCRIBEd to "/<db>.celery.pidbox", so a
//   broadcast's PUBLISH counts every simulated worker as a receiver, exactly as real ones.
// - A request is filtered by its destination; a reply is routed as kombu does: SMEMBERS of
//   "_kombu.binding.<reply exchange>", then LPUSH of the reply envelope to every queue bound
//   with the reply routing key (two round trips per reply, like a real worker).
// - Methods: ping, stats, active_queues, active, reserved, scheduled (ClusterModel's data, in
//   the shapes of sim_wire.h); any other method gets Celery's error reply.
// - worker-online at Start, worker-heartbeat every 2 s per worker (spread evenly over the
//   2 s), worker-offline at Stop, on "/<db>.celeryev/worker.<kind>".
// - Populate() writes the queues: binding sets and task messages in their priority sub-lists.
//
// Everything the simulator does runs on one strand (one core at most), over a small pool of
// command connections. Thread-safety: Start/Stop/Subscribed/counts from any one thread other
// than the io_context's; Stop blocks until the offline events are published (bounded).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "bench/cluster_sim/cluster_model.h"

namespace queuemon::bench {

struct SimCounts {
  std::uint64_t requests = 0;    // pidbox messages received, summed over workers
  std::uint64_t replies = 0;     // replies LPUSHed
  std::uint64_t heartbeats = 0;  // worker-heartbeat events published
};

class ClusterSimulator final {
 public:
  // `redis_url`: redis://host:port/db (loopback in tests). REQUIRES: the executor's io_context
  // runs on at least one thread for the simulator's life.
  ClusterSimulator(boost::asio::any_io_executor executor, std::string redis_url, ClusterShape shape);
  ~ClusterSimulator();
  ClusterSimulator(const ClusterSimulator&) = delete;
  ClusterSimulator& operator=(const ClusterSimulator&) = delete;

  // Writes every queue's binding and messages (replacing an earlier run's) in pipelines of
  // at most 1 000 commands. Call before Start; blocks until done.
  boost::system::result<void> Populate();
  void Start();
  // True once every worker's pidbox subscription is confirmed.
  bool Subscribed() const;
  void Stop();

  SimCounts counts() const;
  const ClusterModel& model() const;

  struct Impl;  // public only so that cluster_sim.cc can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace queuemon::bench
