#pragma once
// Representative values of the views' parts, one per kind's shape (Celery, RQ, Sidekiq), for
// the tests that write a view and read it back.

#include <string>
#include <utility>

#include "sources/typed_views.h"

namespace queuemon::sources::samples {

inline WorkerInfo CeleryWorker() {
  WorkerInfo w;
  w.hostname = "celery@h1";
  w.status = "online";
  w.last_heartbeat = 1700000000.125;
  w.heartbeat_freq = 2.0;
  w.active = 3;
  w.processed = 120;
  w.loadavg = {0.5, 0.25, 0.1};
  w.pool = "prefork";
  w.concurrency = 8;
  w.queues = {"celery", "mail"};
  w.pid = 4242;
  w.sw_ident = "py-celery";
  w.sw_ver = "5.3.6";
  w.sw_sys = "Linux";
  w.uptime = 3600;
  w.prefetch_count = 32;
  return w;
}

inline WorkerInfo RqWorker() {
  WorkerInfo w;
  w.hostname = "rq:worker:abc";
  w.status = "online";
  w.last_heartbeat = 1700000001.5;
  w.queues = {"default"};
  w.pid = 77;
  w.state = "busy";
  w.failed = 2;
  w.current_jobs = {"job-1"};
  w.total_working_time = 12.75;
  return w;
}

inline QueueInfo SidekiqQueue() {
  QueueInfo q;
  q.name = "critical";
  q.messages = 5;
  q.oldest_job_age = 42.5;
  q.paused = true;
  q.jobs = {{"enqueued", 5}, {"scheduled", 1}};
  return q;
}

inline QueueInfo CeleryQueue() {
  QueueInfo q;
  q.name = "celery";
  q.messages = 7;
  q.by_priority = {{0, 4}, {3, 2}, {9, 1}};
  q.consumers = 2;
  q.unacked = 1;
  return q;
}

inline TaskBrief Task(std::string id) {
  TaskBrief t;
  t.id = std::move(id);
  t.name = "app.tasks.add";
  t.args = "(1, 2)";
  t.kwargs = "{}";
  t.routing_key = "celery";
  return t;
}

}  // namespace queuemon::sources::samples
