"""Drives the RQ test app and reports what RQ's own API says (the tests' ground truth).

  ctl.py wait-workers N [--timeout S]   until Worker.all() lists N workers
  ctl.py scenario                       enqueue jobs that succeed, fail, run long, are
                                        scheduled, deferred, or wait in an unconsumed queue
  ctl.py wait-settled [--timeout S]     until the scenario's quick jobs are done
  ctl.py truth                          Worker.all, Queue.all with counts, as JSON
  ctl.py simulate WORKERS QUEUES        register workers and queues with RQ's own calls
                                        (register_birth, enqueue), no process behind them
  ctl.py trickle SECONDS                enqueue a mix of jobs for that long (run.sh's demo)
  ctl.py time-api ROUNDS                median ms of what a dashboard on RQ's API reads per poll
                                        (Worker.all, and Queue.all with each queue's count)

The Redis URL comes from QUEUEMON_RQ_REDIS. Run with /usr/bin/python3 (Debian's python3-rq).
"""
import datetime
import json
import os
import random
import sys
import time

from redis import Redis
from rq import Queue, Worker
from rq.registry import (CanceledJobRegistry, DeferredJobRegistry, FailedJobRegistry,
                         FinishedJobRegistry, ScheduledJobRegistry, StartedJobRegistry)

import jobs

REDIS = Redis.from_url(os.environ["QUEUEMON_RQ_REDIS"])


def arg_timeout(default=30.0):
    if "--timeout" in sys.argv:
        return float(sys.argv[sys.argv.index("--timeout") + 1])
    return default


def wait_for(predicate, what):
    deadline = time.monotonic() + arg_timeout()
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    sys.exit(f"timed out waiting for {what}")


def scenario():
    default = Queue("default", connection=REDIS)
    high = Queue("high", connection=REDIS)
    parked = Queue("parked", connection=REDIS)  # no worker consumes it
    ids = {
        "ok": [default.enqueue(jobs.ok, i).id for i in range(3)],
        "failed": [default.enqueue(jobs.fail, f"bad {i}").id for i in range(2)],
        # RQ's default job timeout (180 s) would end it early.
        "slow": high.enqueue(jobs.slow, 600, job_timeout=3600).id,
        "scheduled": [default.enqueue_in(datetime.timedelta(hours=1), jobs.ok, i).id for i in range(2)],
        "parked": [parked.enqueue(jobs.ok, i).id for i in range(2)],
    }
    ids["deferred"] = default.enqueue(jobs.ok, 9, depends_on=ids["parked"][0]).id
    print(json.dumps(ids))


def settled():
    default = Queue("default", connection=REDIS)
    high = Queue("high", connection=REDIS)
    return (FailedJobRegistry(queue=default).count == 2 and
            FinishedJobRegistry(queue=default).count == 3 and
            StartedJobRegistry(queue=high).count == 1 and
            any(w.get_state() == "busy" for w in Worker.all(connection=REDIS)))


def queue_truth(q):
    head = q.get_job_ids(0, 1)
    oldest = None
    if head:
        job = q.fetch_job(head[0])
        oldest = job.enqueued_at.replace(tzinfo=datetime.timezone.utc).timestamp() if job else None
    return {
        "queued": q.count,
        "started": StartedJobRegistry(queue=q).count,
        "failed": FailedJobRegistry(queue=q).count,
        "finished": FinishedJobRegistry(queue=q).count,
        "scheduled": ScheduledJobRegistry(queue=q).count,
        "deferred": DeferredJobRegistry(queue=q).count,
        "canceled": CanceledJobRegistry(queue=q).count,
        "oldest_enqueued_at": oldest,
        "workers": Worker.count(queue=q),
    }


def truth():
    workers = [{
        "name": w.name,
        "state": w.get_state(),
        "queues": w.queue_names(),
        "successful_job_count": w.successful_job_count,
        "failed_job_count": w.failed_job_count,
        "current_job": w.get_current_job_id(),
    } for w in Worker.all(connection=REDIS)]
    queues = {q.name: queue_truth(q) for q in Queue.all(connection=REDIS)}
    print(json.dumps({"workers": workers, "queues": queues, "now": time.time()}))


def simulate(n_workers, n_queues):
    queues = [Queue(f"sim{j:03d}", connection=REDIS) for j in range(n_queues)]
    for q in queues:
        q.enqueue(jobs.ok, 1)
    for i in range(n_workers):
        Worker([queues[i % n_queues]], name=f"sim-w{i:03d}", connection=REDIS).register_birth()


def trickle(seconds):
    queues = [Queue(n, connection=REDIS) for n in ("default", "high")]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        q = random.choice(queues)
        r = random.random()
        if r < 0.1:
            q.enqueue(jobs.fail, "demo failure")
        elif r < 0.2:
            q.enqueue_in(datetime.timedelta(seconds=30), jobs.ok, 1)
        else:
            q.enqueue(jobs.slow, random.uniform(0.1, 0.8))
        time.sleep(random.uniform(0.2, 1.0))


def time_api(rounds):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        Worker.all(connection=REDIS)
        for q in Queue.all(connection=REDIS):
            q.count
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(json.dumps({"median_ms": times[len(times) // 2], "rounds": rounds}))


def main():
    command = sys.argv[1]
    if command == "wait-workers":
        n = int(sys.argv[2])
        wait_for(lambda: len(Worker.all(connection=REDIS)) == n, f"{n} RQ workers")
    elif command == "scenario":
        scenario()
    elif command == "wait-settled":
        wait_for(settled, "the RQ scenario to settle")
    elif command == "truth":
        truth()
    elif command == "simulate":
        simulate(int(sys.argv[2]), int(sys.argv[3]))
    elif command == "time-api":
        time_api(int(sys.argv[2]))
    elif command == "trickle":
        trickle(float(sys.argv[2]))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
