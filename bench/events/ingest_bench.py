#!/usr/bin/python3
"""End-to-end ingestion benchmark of Celery task events: event_gen.py publishes real-shaped
event messages into a private redis-server (default pub/sub output-buffer limits, so a daemon
that falls behind is dropped as it would be in production), and the real queuemond subscribes.

Measured: events published (task events + heartbeats, from the generator's own count) against
events the daemon received (queuemon_events_received_total) -> loss; subscription resets; the
daemon's CPU time (utime + stime from /proc) per event; its RSS sampled every second (flat or
not). The daemon can be pinned to one core (--daemon-cpu) and the generator to another.

  /usr/bin/python3 bench/events/ingest_bench.py --binary build/release/daemon/queuemond \
      --rate 20000 --seconds 60

Prints one JSON line. Every process it starts is stopped at the end. Loopback only.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PY = '/usr/bin/python3'
TICKS = os.sysconf('SC_CLK_TCK')
PAGE = os.sysconf('SC_PAGE_SIZE')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def pinned(cpu):
    return ['taskset', '-c', str(cpu)] if cpu is not None and shutil.which('taskset') else []


def wait_until(what, seconds, predicate):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.05)  # poll interval of a condition with a deadline
    raise RuntimeError(f'timed out waiting for {what}')


def cpu_seconds(pid):
    fields = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_mib(pid):
    return int(open(f'/proc/{pid}/statm').read().split()[1]) * PAGE / 2**20


def metric(port, name):
    text = urllib.request.urlopen(f'http://127.0.0.1:{port}/metrics', timeout=5).read().decode()
    for line in text.splitlines():
        if line.startswith(name + '{') or line.startswith(name + ' '):
            return float(line.rsplit(' ', 1)[1])
    return 0.0


def run(args):
    procs = []
    tmp = tempfile.mkdtemp(prefix='queuemon-ingest-')
    try:
        redis_port = free_port()
        procs.append(subprocess.Popen(
            ['redis-server', '--port', str(redis_port), '--bind', '127.0.0.1', '--save', '',
             '--appendonly', 'no'], stdout=subprocess.DEVNULL))
        url = f'redis://127.0.0.1:{redis_port}/0'
        wait_until('redis', 10, lambda: socket.create_connection(('127.0.0.1', redis_port)))
        http_port = free_port()
        config = {'listen': f'127.0.0.1:{http_port}', 'threads': args.threads, 'log_level': 'warn',
                  'sources': [{'name': 'celery', 'broker': url}]}
        with open(os.path.join(tmp, 'queuemond.json'), 'w') as f:
            json.dump(config, f)
        daemon = subprocess.Popen(pinned(args.daemon_cpu) + [args.binary, '--config',
                                  os.path.join(tmp, 'queuemond.json')],
                                  stdout=open(os.path.join(tmp, 'log'), 'w'), stderr=subprocess.STDOUT)
        procs.append(daemon)
        wait_until('queuemond', 20, lambda: urllib.request.urlopen(
            f'http://127.0.0.1:{http_port}/healthz', timeout=1).status == 200)
        time.sleep(0.5)  # let the start-up warm-up settle before the CPU baseline (not a sync)
        cpu0, rss0 = cpu_seconds(daemon.pid), rss_mib(daemon.pid)
        received0 = metric(http_port, 'queuemon_events_received_total')
        gen = subprocess.Popen(pinned(args.gen_cpu) + [
            PY, os.path.join(HERE, 'event_gen.py'), '--url', url, '--rate', str(args.rate),
            '--seconds', str(args.seconds), '--processes', str(args.processes),
            '--batch', str(args.batch), '--fail-ratio', str(args.fail_ratio),
            '--task-names', str(args.task_names), '--workers', str(args.workers)],
            stdout=subprocess.PIPE)
        procs.append(gen)
        rss = []
        while gen.poll() is None:
            rss.append(round(rss_mib(daemon.pid), 1))
            time.sleep(1)  # one RSS sample per second
        published = json.loads(gen.stdout.read().decode().strip().splitlines()[-1])
        expected = published['events'] + published['by_type'].get('worker-heartbeat', 0)
        # Drain: wait until the daemon counted everything, or its count stops moving.
        last, still_since = -1.0, time.monotonic()
        while time.monotonic() - still_since < 3:
            got = metric(http_port, 'queuemon_events_received_total') - received0
            if got >= expected:
                break
            if got != last:
                last, still_since = got, time.monotonic()
            time.sleep(0.1)  # poll interval
        got = metric(http_port, 'queuemon_events_received_total') - received0
        cpu = cpu_seconds(daemon.pid) - cpu0
        return {
            'target_rate': args.rate, 'seconds': published['seconds'],
            'published_rate': published['rate'], 'published': expected,
            'received': got, 'lost': expected - got,
            'subscription_resets': metric(http_port, 'queuemon_event_subscription_resets_total'),
            'malformed': metric(http_port, 'queuemon_events_malformed_total'),
            'daemon_cpu_seconds': round(cpu, 2),
            'daemon_cpu_us_per_event': round(cpu / got * 1e6, 2) if got else None,
            'daemon_cpu_share': round(cpu / published['seconds'], 3),
            'rss_mib_start': round(rss0, 1), 'rss_mib_end': round(rss_mib(daemon.pid), 1),
            'rss_mib_max': max(rss) if rss else None,
            'rss_mib_samples': rss[:: max(1, len(rss) // 12)],
            'task_table_tasks': metric(http_port, 'queuemon_task_table_tasks'),
            'task_table_mib': round(metric(http_port, 'queuemon_task_table_bytes') / 2**20, 1),
        }
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument('--binary', required=True)
    ap.add_argument('--rate', type=int, default=20000, help='task events/s; 0 = unpaced')
    ap.add_argument('--seconds', type=float, default=60)
    ap.add_argument('--processes', type=int, default=1)
    ap.add_argument('--batch', type=int, default=3)
    ap.add_argument('--fail-ratio', type=float, default=0.05)
    ap.add_argument('--task-names', type=int, default=20)
    ap.add_argument('--workers', type=int, default=4)
    ap.add_argument('--threads', type=int, default=1, help="the daemon's io threads")
    ap.add_argument('--daemon-cpu', type=int, help='pin the daemon to this CPU')
    ap.add_argument('--gen-cpu', help='pin the generator (and its processes) to these CPUs')
    print(json.dumps(run(ap.parse_args())))


if __name__ == '__main__':
    sys.exit(main())
