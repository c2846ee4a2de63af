#!/usr/bin/python3
"""Broker shielding: N dashboard pollers, each polling workers, queues and summary every second
over its own keep-alive connection, against one server; meanwhile the broker's load is counted:
  - broker commands/s: `INFO commandstats` call deltas (all clients, so workers' own BRPOP/
    heartbeat traffic is included; an idle baseline is measured too),
  - pidbox broadcasts/s: messages received by a plain SUBSCRIBE on `/0.celery.pidbox` (each
    inspect/control broadcast is exactly one PUBLISH there; worker heartbeats go to
    `/0.celeryev/*` and are not counted).

Standalone (starts its own Redis, two workers, queuemond and the original app):
  /usr/bin/python3 bench/http/shielding.py --queuemond build/rel/daemon/queuemond [--quick]
"""
import argparse
import asyncio
import json
import random
import sys
import tempfile
import threading
import time

import redis

import stack

PATHS = (stack.API + '/workers/status', stack.API + '/queues/status',
         stack.API + '/metrics/summary')


class PidboxCounter:
    """Counts PUBLISHes on the pidbox channel from a separate subscriber connection."""

    def __init__(self, redis_port, channel='/0.celery.pidbox'):
        self.client = redis.Redis(host='127.0.0.1', port=redis_port)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(channel)
        self.count = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            if self.pubsub.get_message(timeout=0.2) is not None:
                self.count += 1

    def close(self):
        self.running = False
        self.thread.join()
        self.pubsub.close()
        self.client.close()


def wait_quiet(redis_port, log=print, quiet_s=3.0, deadline_s=120.0):
    """Waits until no pidbox broadcast was seen for `quiet_s` (earlier load, e.g. the original
    app working off a backlog, must not leak into the idle baseline); gives up after deadline_s."""
    counter = PidboxCounter(redis_port)
    try:
        start = last_change = time.monotonic()
        seen = counter.count
        while time.monotonic() - last_change < quiet_s:
            if time.monotonic() - start > deadline_s:
                log(f'shielding: broker not quiet after {deadline_s:.0f} s; measuring anyway')
                return False
            time.sleep(0.2)  # polling the condition "no broadcast for quiet_s"
            if counter.count != seen:
                seen, last_change = counter.count, time.monotonic()
        return True
    finally:
        counter.close()


def command_calls(redis_port):
    info = redis.Redis(host='127.0.0.1', port=redis_port).info('commandstats')
    return {k[len('cmdstat_'):] if k.startswith('cmdstat_') else k: v['calls']
            for k, v in info.items()}


async def read_response(reader):
    head = await reader.readuntil(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ':' in line:
            k, v = line.split(':', 1)
            headers[k.strip().lower()] = v.strip()
    if 'content-length' not in headers:
        raise ValueError('response without Content-Length')
    await reader.readexactly(int(headers['content-length']))
    return status, headers


async def poller(port, interval, stop_at, stats, rng):
    loop = asyncio.get_running_loop()
    await asyncio.sleep(rng.uniform(0, interval))  # spread the pollers over the second
    reader = writer = None
    next_tick = loop.time()
    while loop.time() < stop_at:
        for path in PATHS:
            start = loop.time()
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection('127.0.0.1', port), 10)
                writer.write(f'GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n'.encode())
                status, headers = await asyncio.wait_for(read_response(reader), 10)
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
                stats['errors'] += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                continue
            stats['latencies'].append(loop.time() - start)
            key = 'ok' if 200 <= status < 300 else 'non2xx'
            stats[key] += 1
            kind = headers.get('x-cache', '-')
            stats['x_cache'][kind] = stats['x_cache'].get(kind, 0) + 1
        next_tick += interval
        delay = next_tick - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)  # the poll interval itself, not synchronisation
        else:
            next_tick = loop.time()  # fell behind: poll again at once
    if writer is not None:
        writer.close()


async def run_pollers(port, n, duration, interval):
    stats = {'ok': 0, 'non2xx': 0, 'errors': 0, 'x_cache': {}, 'latencies': []}
    rng = random.Random(n)
    stop_at = asyncio.get_running_loop().time() + duration
    await asyncio.gather(*(poller(port, interval, stop_at, stats, rng) for _ in range(n)))
    return stats


def measure(server_port, redis_port, n, duration, interval=1.0):
    """N pollers for `duration` s: broker commands/s, pidbox broadcasts/s, client outcome."""
    counter = PidboxCounter(redis_port)
    try:
        before = command_calls(redis_port)
        b0 = counter.count
        start = time.monotonic()
        if n:
            stats = asyncio.run(run_pollers(server_port, n, duration, interval))
        else:
            time.sleep(duration)  # idle baseline: measuring over a fixed window is the point
            stats = {'ok': 0, 'non2xx': 0, 'errors': 0, 'x_cache': {}, 'latencies': []}
        elapsed = time.monotonic() - start
        time.sleep(0.3)  # let the subscriber drain messages published in the window
        broadcasts = counter.count - b0
        after = command_calls(redis_port)
    finally:
        counter.close()
    deltas = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    deltas['info'] = deltas.get('info', 0) - 1  # our own INFO
    lat = sorted(stats.pop('latencies'))
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1e3 if lat else float('nan')
    top = sorted(((v, k) for k, v in deltas.items() if v > 0), reverse=True)[:6]
    return {'pollers': n, 'seconds': elapsed, 'broker_cmds_per_s': sum(deltas.values()) / elapsed,
            'publish_per_s': deltas.get('publish', 0) / elapsed,
            'pidbox_broadcasts_per_s': broadcasts / elapsed,
            'responses_per_s': (stats['ok'] + stats['non2xx']) / elapsed,
            'p50_ms': pct(0.5), 'p99_ms': pct(0.99),
            'top_commands': {k: round(v / elapsed, 1) for v, k in top}, **stats}


def run_series(label, server_port, redis_port, counts, duration, log=print):
    rows = []
    for n in counts:
        row = measure(server_port, redis_port, n, duration)
        row['target'] = label
        log(f'shielding {label:10s} N={n:5d}: {row["broker_cmds_per_s"]:8.1f} cmds/s, '
            f'{row["pidbox_broadcasts_per_s"]:6.2f} broadcasts/s, '
            f'{row["responses_per_s"]:8.1f} resp/s, errors {row["errors"]}, x-cache {row["x_cache"]}')
        rows.append(row)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--queuemond', help='queuemond binary (omit: the original design only)')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--duration', type=float)
    ap.add_argument('--counts', default='1,10,100,1000')
    a = ap.parse_args()
    duration = a.duration or (5 if a.quick else 30)
    counts = [int(x) for x in a.counts.split(',')]
    with tempfile.TemporaryDirectory(prefix='qm-shield.') as state, stack.Stack(state) as s:
        s.start_redis()
        s.start_workers(2)
        s.seed_tasks()
        qport = s.start_queuemond(a.queuemond, a.threads)[0] if a.queuemond else None
        oport, _ = s.start_original()
        wait_quiet(s.redis_port)
        rows = run_series('idle', None, s.redis_port, [0], duration)
        if qport:
            rows += run_series('queuemond', qport, s.redis_port, counts, duration)
        rows += run_series('original', oport, s.redis_port, counts, duration)
        print(json.dumps(rows, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
