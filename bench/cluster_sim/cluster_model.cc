#include "bench/cluster_sim/cluster_model.h"

#include <cstdio>

namespace queuemon::bench {
namespace {

std::string Numbered(const char* format, std::size_t n) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, n);
  return buffer;
}

std::vector<SimTask> Tasks(std::size_t worker, const char* kind, std::size_t count) {
  std::vector<SimTask> tasks;
  for (std::size_t k = 0; k < count; ++k) {
    SimTask task;
    task.id = Numbered("00000000-0000-4000-8000-%012zu", worker * 100 + k) + "-" + kind;
    task.arg = static_cast<std::int64_t>(k + 1);
    tasks.push_back(std::move(task));
  }
  return tasks;
}

}  // namespace

std::int64_t SimQueue::messages() const {
  std::int64_t total = 0;
  for (const auto& [step, n] : by_priority) total += n;
  return total;
}

std::string ClusterModel::WorkerName(std::size_t i) { return Numbered("sim-%05zu@cluster", i); }
std::string ClusterModel::QueueName(std::size_t j) { return Numbered("simq-%05zu", j); }

SimWorker ClusterModel::Worker(std::size_t i) const {
  SimWorker w;
  w.hostname = WorkerName(i);
  w.pid = 100000 + static_cast<std::int64_t>(i);
  w.processed = static_cast<std::int64_t>(i) * 3;
  w.queues.push_back("celery");
  for (std::size_t j = i; j < shape_.queues; j += shape_.workers) w.queues.push_back(QueueName(j));
  w.active = Tasks(i, "a", i % 3);
  w.reserved = Tasks(i, "r", i % 2);
  w.scheduled = Tasks(i, "s", i % 5 == 0 ? 1 : 0);
  return w;
}

SimQueue ClusterModel::Queue(std::size_t j) const {
  SimQueue q;
  q.name = QueueName(j);
  if (j % 4 != 0) q.by_priority[0] = static_cast<std::int64_t>(j % 4);
  if (j % 3 == 0) q.by_priority[3] = 1;
  if (j % 7 == 0) q.by_priority[9] = 2;
  return q;
}

}  // namespace queuemon::bench
