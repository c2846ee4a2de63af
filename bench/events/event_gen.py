#!/usr/bin/python3
"""Publishes real-shaped Celery 5.2 task events into Redis at a target rate.

Run with /usr/bin/python3 (Debian's, which has python3-redis). Every task produces four task
events: task-sent on `/<db>.celeryev/task.sent` from `client@bench`, then task-received,
task-started and task-succeeded|task-failed from a worker `w<i>@bench`, batched 1..--batch per
message on `/<db>.celeryev/task.multi`. Each worker also sends a worker-heartbeat every 2 s.

Prints one JSON line: events (task events, each event in a batch counted), messages (PUBLISH
calls, heartbeats included), seconds, rate (events/s achieved), by_type, by_channel, tasks,
failed. The counts are of what was handed to Redis, for comparison with a consumer's counters.

usage: event_gen.py --url redis://127.0.0.1:PORT/0 --rate 5000 --seconds 5 [--rate 0 = max]
"""
import argparse
import json
import multiprocessing
import sys
import time
import traceback
import urllib.parse

import redis

import task_stream

SLICE_S = 0.005            # pacing granularity: events due are published every 5 ms
MAX_EVENTS_PER_SLICE = 2000  # when behind (or --rate 0), still look at the clock this often
MAX_LAG_S = 5 * SLICE_S    # backlog made up at most (covers scheduler jitter); more is dropped
HEARTBEAT_S = 2.0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--url', default='redis://127.0.0.1:6379/0')
    p.add_argument('--rate', type=float, default=5000.0,
                   help='task events per second over all processes; 0 = as fast as possible')
    p.add_argument('--seconds', type=float, default=5.0)
    p.add_argument('--task-names', type=int, default=20)
    p.add_argument('--workers', type=int, default=4)
    p.add_argument('--batch', type=int, choices=(1, 2, 3), default=3,
                   help='max events per task.multi message (each message takes 1..batch)')
    p.add_argument('--fail-ratio', type=float, default=0.0)
    p.add_argument('--processes', type=int, default=1)
    p.add_argument('--pipeline', type=int, default=64, help='PUBLISH commands per round trip')
    p.add_argument('--seed', type=int, default=1)
    args = p.parse_args(argv)
    _validate(p, args)
    return args


def _validate(p, args):
    # Reject rather than clamp: a silently changed load would make the comparison meaningless.
    if args.rate < 0 or args.seconds <= 0 or args.task_names < 1 or args.pipeline < 1:
        p.error('--rate must be >= 0; --seconds, --task-names, --pipeline must be positive')
    if not 0.0 <= args.fail_ratio <= 1.0:
        p.error('--fail-ratio must be in [0, 1]')
    if args.processes < 1 or args.workers < args.processes:
        p.error('need 1 <= --processes <= --workers (each process owns whole workers, '
                'so a worker clock never interleaves across processes)')


def channel_prefix(url):
    db = urllib.parse.urlparse(url).path.strip('/') or '0'
    return f'/{int(db)}.celeryev/'


class PipelineSink:
    """Buffers PUBLISH commands and sends them K at a time (or at flush)."""

    def __init__(self, client, k):
        self._pipe = client.pipeline(transaction=False)
        self._k = k
        self._pending = 0

    def publish(self, channel, data):
        self._pipe.publish(channel, data)
        self._pending += 1
        if self._pending >= self._k:
            self.flush()

    def flush(self):
        if self._pending:
            self._pipe.execute()  # raises on any error reply, so a count is never silently wrong
            self._pending = 0


def pace(stream, sink, rate, seconds):
    """Publishes the events due by now every slice until `seconds` pass; returns (t0, t1) wall."""
    start = time.monotonic()
    wall0 = time.time()
    end = start + seconds
    origin = start  # the schedule's zero; moves forward when the publisher falls behind
    next_heartbeat = start
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if now >= next_heartbeat:
            stream.heartbeats()
            next_heartbeat += HEARTBEAT_S
        due = rate * (now - origin) if rate else float('inf')
        if rate and due - stream.events > rate * MAX_LAG_S:
            # Behind: forgive the debt instead of bursting above the target to catch up later;
            # the shortfall shows in the reported rate.
            origin += (due - stream.events - rate * MAX_LAG_S) / rate
            due = stream.events + rate * MAX_LAG_S
        budget = stream.events + MAX_EVENTS_PER_SLICE
        while stream.events < due and stream.events < budget:
            stream.emit_task()
        sink.flush()
        if rate and stream.events >= due:  # caught up: wait for the rest of this slice
            time.sleep(max(0.0, min(now + SLICE_S, end) - time.monotonic()))
    stream.finish()
    sink.flush()
    return wall0, time.time()


def run_publisher(args, index, barrier=None):
    """One publisher: its share of the rate and of the workers. Returns its stats dict."""
    client = redis.Redis.from_url(args.url)
    client.ping()
    if barrier is not None:
        barrier.wait(timeout=30)  # connected; now all processes start their clocks together
    sink = PipelineSink(client, args.pipeline)
    workers = [i for i in range(args.workers) if i % args.processes == index]
    stream = task_stream.TaskStream(sink, channel_prefix(args.url), workers, args.task_names,
                                    args.batch, args.fail_ratio, args.seed * 1000 + index)
    wall0, wall1 = pace(stream, sink, args.rate / args.processes, args.seconds)
    client.close()
    return {'events': stream.events, 'messages': stream.messages, 'tasks': stream.tasks,
            'failed': stream.failed, 'by_type': stream.by_type, 'by_channel': stream.by_channel,
            'wall0': wall0, 'wall1': wall1}


def _child(args, index, barrier, results):
    try:
        results.put(run_publisher(args, index, barrier))
    except Exception:  # reported to the parent, which exits non-zero
        barrier.abort()  # the others stop waiting at the start line instead of timing out
        results.put({'error': f'process {index}: {traceback.format_exc()}'})


def run_all(args):
    if args.processes == 1:
        return [run_publisher(args, 0)]
    ctx = multiprocessing.get_context('fork')
    barrier, results = ctx.Barrier(args.processes), ctx.Queue()
    procs = [ctx.Process(target=_child, args=(args, i, barrier, results))
             for i in range(args.processes)]
    for proc in procs:
        proc.start()
    parts = [results.get(timeout=args.seconds + 60) for _ in procs]
    for proc in procs:
        proc.join()
    return parts


def merge(parts, target_rate):
    """Sums the per-process stats; elapsed spans the earliest start to the latest end."""
    total = {'events': 0, 'messages': 0, 'seconds': 0.0, 'rate': 0.0, 'by_type': {},
             'by_channel': {}, 'tasks': 0, 'failed': 0}
    for part in parts:
        for key in ('events', 'messages', 'tasks', 'failed'):
            total[key] += part[key]
        for key in ('by_type', 'by_channel'):
            for name, n in part[key].items():
                total[key][name] = total[key].get(name, 0) + n
    total['seconds'] = round(max(p['wall1'] for p in parts) - min(p['wall0'] for p in parts), 4)
    total['rate'] = round(total['events'] / total['seconds'], 1)
    total['target_rate'] = target_rate or None  # None: --rate 0, as fast as possible
    return total


def main(argv):
    args = parse_args(argv)
    parts = run_all(args)
    errors = [p['error'] for p in parts if 'error' in p]
    if errors:
        print('\n'.join(errors), file=sys.stderr)
        return 1
    print(json.dumps(merge(parts, args.rate)), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
