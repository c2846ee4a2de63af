#pragma once
// ClusterModel: what the simulated Celery cluster holds, as a pure function of its shape, so
// that a test knows the truth every view must report without asking the simulator.
//
// Worker i (0-based) is "sim-<i, 5 digits>@cluster" with pid 100000 + i, concurrency 4,
// prefetch 16, i % 3 active tasks, i % 2 reserved, one scheduled when i % 5 == 0, and consumes
// "celery" plus every simulated queue j with j % workers == i. Queue j is "simq-<j, 5 digits>"
// with j % 4 messages in its base list, one in priority step 3 when j % 3 == 0 and two in step 9
// when j % 7 == 0. "celery" is bound and empty.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace queuemon::bench {

struct ClusterShape {
  std::size_t workers = 10;
  std::size_t queues = 10;
};

struct SimTask {
  std::string id;
  std::string name = "tasks.sleepy";
  std::int64_t arg = 0;  // args = [arg]
};

struct SimWorker {
  std::string hostname;
  std::int64_t pid = 0;
  std::int64_t concurrency = 4;
  std::int64_t prefetch_count = 16;
  std::int64_t processed = 0;
  std::vector<std::string> queues;  // consumed, "celery" first
  std::vector<SimTask> active, reserved, scheduled;
};

struct SimQueue {
  std::string name;
  std::map<int, std::int64_t> by_priority;  // step -> messages in that sub-list (non-zero only)
  std::int64_t messages() const;
};

class ClusterModel final {
 public:
  explicit ClusterModel(ClusterShape shape) : shape_(shape) {}

  const ClusterShape& shape() const { return shape_; }
  SimWorker Worker(std::size_t i) const;
  SimQueue Queue(std::size_t j) const;  // j < shape().queues; "celery" is not one of these
  static std::string WorkerName(std::size_t i);
  static std::string QueueName(std::size_t j);

 private:
  ClusterShape shape_;
};

}  // namespace queuemon::bench
