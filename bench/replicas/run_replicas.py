#!/usr/bin/python3
"""Broker load and answer freshness for 1, 2, 3 and 5 queuemond replicas under 200 pollers
(issue 17, item 5).

One private redis-server (loopback, no persistence) and two real Celery workers from
tests/celery_app (as tests/testing/celery_workers.cc starts them: w1@qm and w2@qm, -c 1, -E) run
for the whole benchmark. First the workers alone: broker commands/s over --baseline seconds
(INFO commandstats, summed calls=, the harness's own INFO left out). Then, for each N in
--replicas, N fresh queuemond replicas (default caches, one source "celery" on that Redis,
replication on the same Redis, lease --lease-ms) are started; once all answer /readyz 200 and
exactly one says it holds the lease, --pollers pollers start, each on one replica (round-robin,
as a load balancer would assign them), one GET per --interval over a keep-alive HTTP/1.1
connection, cycling over workers/status, queues/status and metrics/summary. After --warmup
seconds the window (--window) is measured:

  broker   commands/s over the window, less the workers-only baseline: the daemons' cost;
           the same per command
  answers  by status and X-Cache, per replica; req/s served; the pollers' lateness
  freshness  the Age header of every answer (whole seconds since the data was collected; a MISS
           has none and counts as 0), median/p90/p99/max, overall and per replica; and the
           same to the millisecond: the wall clock at the answer less the body's `timestamp`
  cpu      each replica's, redis-server's and this harness's CPU over the window
  replication  per replica over the window: announcements applied, requests to the holder,
           views written (queuemon_replication_* on /metrics), role (/readyz)

The replicas are then stopped with SIGTERM (each must exit 0) and the shared keys deleted
before the next size. The workers-only baseline is measured again at the end (drift).

Prints a Markdown table per N and writes every figure to --out (JSON).

  /usr/bin/python3 bench/replicas/run_replicas.py --quick --out /tmp/replicas-quick.json
  /usr/bin/python3 bench/replicas/run_replicas.py          # 1,2,3,5 replicas, 30 s windows
"""
import argparse
import collections
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CELERY_APP = os.path.join(ROOT, 'tests', 'celery_app')
PY = '/usr/bin/python3'  # owns python3-celery and python3-redis (Debian)
HOST = 'qm'  # CeleryWorkers::kHost
API = '/api/v1/celery'
VIEWS = (f'{API}/workers/status', f'{API}/queues/status', f'{API}/metrics/summary')
VIEW_NAMES = ('workers', 'queues', 'summary')
PREFIX = 'queuemon'  # the replication prefix (the default)
TIMESTAMP = re.compile(rb'"timestamp":\s*([0-9.]+)')  # a view's collection time (unix s)

sys.path.insert(0, os.path.join(ROOT, 'bench', 'http'))
import stack  # noqa: E402  (bench/http: process and polling helpers shared by the harnesses)
from stack import free_port, wait_until  # noqa: E402


def log(msg):
    print(f'[{datetime.datetime.now():%H:%M:%S}] {msg}', file=sys.stderr, flush=True)


def parse_list(text):
    out = []
    for item in filter(None, text.split(',')):
        if not item.isdigit() or int(item) < 1:
            raise argparse.ArgumentTypeError(f'{item!r}: want a positive integer')
        out.append(int(item))
    return out


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split('\n', 2)[2])
    ap.add_argument('--replicas', type=parse_list, default=[1, 2, 3, 5],
                    help='replica counts, e.g. 1,2,3,5 (default)')
    ap.add_argument('--pollers', type=int, default=200)
    ap.add_argument('--interval', type=float, default=1.0, help='seconds between one poller\'s '
                    'requests (default 1)')
    ap.add_argument('--warmup', type=float, help='seconds of polling before the window (10; '
                    'quick 5)')
    ap.add_argument('--window', type=float, help='measured seconds per size (30; quick 10)')
    ap.add_argument('--baseline', type=float, help='workers-only window (default = --window)')
    ap.add_argument('--quick', action='store_true', help='~10 s windows: validates the script')
    ap.add_argument('--lease-ms', type=int, default=10000)
    ap.add_argument('--queuemond', default=os.path.join(ROOT, 'build', 'release', 'daemon',
                                                        'queuemond'))
    ap.add_argument('--out', help='JSON file (default bench/results/replicas-DATE.json)')
    ap.add_argument('--markdown', help='also write the tables here')
    ap.add_argument('--keep-state', action='store_true', help='keep logs even on success')
    a = ap.parse_args(argv)
    a.warmup = a.warmup if a.warmup is not None else (5.0 if a.quick else 10.0)
    a.window = a.window if a.window is not None else (10.0 if a.quick else 30.0)
    a.baseline = a.baseline if a.baseline is not None else a.window
    a.out = a.out or os.path.join(ROOT, 'bench', 'results',
                                  f'replicas-{datetime.date.today():%Y-%m-%d}.json')
    if not os.access(a.queuemond, os.X_OK):
        ap.error(f'{a.queuemond}: not an executable (build the release tree first)')
    if a.pollers < 1 or a.interval <= 0 or a.window <= 0:
        ap.error('--pollers, --interval and --window must be positive')
    return a


# --- processes -------------------------------------------------------------------------------

class Procs:
    """Every process the harness starts, each in its own session (process group), so that
    cleanup reaches a Celery worker's pool children too. close() stops whatever is left:
    SIGTERM to each group, SIGKILL after a deadline."""

    def __init__(self, state):
        self.state = state
        self.procs = []  # (name, Popen)

    def spawn(self, name, cmd, cwd=None, env=None):
        with open(os.path.join(self.state, name + '.log'), 'ab') as logf:
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=logf, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, preexec_fn=stack._die_with_parent,
                                    start_new_session=True)
        self.procs.append((name, proc))
        return proc

    def log_of(self, name):
        with open(os.path.join(self.state, name + '.log'), errors='replace') as f:
            return f.read()

    def stop(self, procs, seconds=15.0):
        """SIGTERM to each process, then wait for all: {pid: (exit code (-N: killed by N;
        None: did not stop in time, SIGKILLed), seconds from SIGTERM to exit)}."""
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        deadline = signalled + seconds
        codes = {}
        for p in procs:
            try:
                code = p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._killpg(p, signal.SIGKILL)
                p.wait()
                code = None
            codes[p.pid] = (code, round(time.monotonic() - signalled, 2))  # upper bound
            self._killpg(p, signal.SIGKILL)  # leftovers of the group, if any
        self.procs = [(n, p) for n, p in self.procs if p not in procs]
        return codes

    @staticmethod
    def _killpg(p, sig):
        try:
            os.killpg(p.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def close(self):
        procs = [p for _, p in reversed(self.procs)]
        for p in procs:
            self._killpg(p, signal.SIGTERM)
        self.stop(procs, 10.0)

    def check_alive(self, names=None):
        for name, p in self.procs:
            if (names is None or name in names) and p.poll() is not None:
                raise RuntimeError(f'{name} exited with {p.returncode}; see {self.state}/{name}.log')


def cpu_seconds(pid):
    """utime+stime of a process (all its threads), in seconds."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    except (FileNotFoundError, ProcessLookupError):
        return float('nan')


# --- Redis -----------------------------------------------------------------------------------

class Redis:
    def __init__(self, procs):
        self.procs = procs
        self.port = None
        self.proc = None

    @property
    def url(self):
        return f'redis://127.0.0.1:{self.port}/0'

    def start(self):
        for attempt in range(5):  # a free port may be taken before redis binds it
            self.port = free_port()
            self.proc = self.procs.spawn(f'redis-{attempt}', [
                'redis-server', '--port', str(self.port), '--bind', '127.0.0.1', '--save', '',
                '--appendonly', 'no', '--daemonize', 'no', '--dir', self.procs.state,
                '--logfile', ''])
            try:
                wait_until('redis-server', 10,
                           lambda: self.proc.poll() is None and self.cli('PING') == 'PONG')
                return
            except RuntimeError:
                if self.proc.poll() is None:
                    raise
        raise RuntimeError(f'redis-server did not start; see {self.procs.state}')

    def cli(self, *args):
        out = subprocess.run(['redis-cli', '-p', str(self.port), *args], capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip()

    def commandstats(self):
        """{command: calls} from `redis-cli INFO commandstats`, and the time it was read. The
        harness's own INFO calls are dropped (queuemond and Celery send no INFO)."""
        text = self.cli('INFO', 'commandstats')
        t = time.monotonic()
        calls = {}
        for line in text.splitlines():
            m = re.match(r'cmdstat_([^:]+):calls=(\d+)', line)
            if m and m.group(1) != 'info':
                calls[m.group(1)] = int(m.group(2))
        return calls, t


def rate(before, after):
    """Per-command calls/s between two commandstats samples."""
    (c0, t0), (c1, t1) = before, after
    return {k: (c1.get(k, 0) - c0.get(k, 0)) / (t1 - t0) for k in set(c0) | set(c1)
            if c1.get(k, 0) != c0.get(k, 0)}


# --- Celery workers (as tests/testing/celery_workers.cc) -------------------------------------

def celery_env(broker):
    env = dict(os.environ)
    env.update({'PYTHONPATH': CELERY_APP, 'QUEUEMON_CELERY_BROKER': broker,
                'PYTHONDONTWRITEBYTECODE': '1'})
    return env


def start_workers(procs, broker, names=('w1', 'w2'), deadline=30.0):
    nodes = []
    for name in names:
        node = f'{name}@{HOST}'
        procs.spawn(name, [PY, '-m', 'celery', '-A', 'tasks', 'worker', '-n', node, '-c', '1',
                           '-P', 'prefork', '--without-mingle', '--without-gossip',
                           '-Q', 'celery,reports', '-l', 'warning', '-E'],
                    cwd=CELERY_APP, env=celery_env(broker))
        nodes.append(node)
    res = subprocess.run([PY, os.path.join(CELERY_APP, 'ctl.py'), 'wait-ready', *nodes,
                          '--timeout', str(deadline)], cwd=CELERY_APP, env=celery_env(broker),
                         capture_output=True, text=True, timeout=deadline + 15)
    if res.returncode != 0:
        raise RuntimeError(f'celery workers not ready: {res.stderr[-2000:]}')
    return nodes


# --- queuemond replicas ----------------------------------------------------------------------

def http_get(port, path, timeout=5.0):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
    try:
        conn.request('GET', path)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def replica_config(a, broker, i, state_dir):
    # The daemon's defaults for everything not named here (caches, threads, http limits).
    return {'listen': '127.0.0.1:0',
            'sources': [{'name': 'celery', 'broker': broker}],
            'replication': {'redis': broker, 'prefix': PREFIX, 'lease_ms': a.lease_ms,
                            'replica_id': f'r{i}'},
            'state_dir': state_dir,
            'snapshot_interval_seconds': 30}


class Replica:
    def __init__(self, procs, a, broker, n, i):
        self.i = i
        self.name = f'r{i}'
        self.procs = procs
        state_dir = tempfile.mkdtemp(prefix=f'n{n}-{self.name}-state-', dir=procs.state)
        self.config_path = os.path.join(procs.state, f'n{n}-{self.name}.json')
        with open(self.config_path, 'w') as f:
            json.dump(replica_config(a, broker, i, state_dir), f, indent=1)
        self.log_name = f'queuemond-n{n}-{self.name}'  # one log per size and replica
        self.proc = procs.spawn(self.log_name, [a.queuemond, '--config', self.config_path])
        self.port = None

    def wait_port(self, seconds=30):
        def found():
            if self.proc.poll() is not None:
                raise RuntimeError(f'{self.name} exited with {self.proc.returncode}:\n'
                                   + self.procs.log_of(self.log_name)[-2000:])
            m = re.search(r'\(port (\d+)\)', self.procs.log_of(self.log_name))
            if m:
                self.port = int(m.group(1))
            return self.port is not None
        wait_until(f'{self.name} listening', seconds, found, 0.05)

    def ready(self):
        status, _, body = http_get(self.port, '/readyz')
        return status == 200, json.loads(body) if body.startswith(b'{') else {}

    def replication(self):
        _, report = self.ready()
        return (report.get('replication') or {}).get('celery', {})

    def metrics(self):
        """queuemon_replication_* and queuemon_collector_* samples of /metrics."""
        _, _, body = http_get(self.port, '/metrics', timeout=10)
        out = {}
        for line in body.decode(errors='replace').splitlines():
            if line.startswith(('queuemon_replication_', 'queuemon_collector_', 'queuemon_cache_')):
                name, _, value = line.rpartition(' ')
                try:
                    out[name] = float(value)
                except ValueError:
                    pass
        return out


def start_replicas(procs, a, broker, n):
    t0 = time.monotonic()
    replicas = [Replica(procs, a, broker, n, i) for i in range(1, n + 1)]
    for r in replicas:
        r.wait_port()
    wait_until(f'{n} replicas /readyz 200', 60,
               lambda: all(r.proc.poll() is None and r.ready()[0] for r in replicas), 0.2)
    ready_s = time.monotonic() - t0

    def one_holder():
        roles = [r.replication().get('role') for r in replicas]
        return roles.count('holder') == 1
    wait_until('exactly one lease holder', 3 * a.lease_ms / 1000 + 10, one_holder, 0.2)
    return replicas, {'all_ready_s': round(ready_s, 2),
                      'one_holder_s': round(time.monotonic() - t0, 2)}


# --- pollers ---------------------------------------------------------------------------------

class Poller(threading.Thread):
    """One dashboard: a GET every `interval` on one keep-alive connection to one replica, on a
    fixed schedule (start + phase + k * interval, no drift), cycling over VIEWS from
    `view_offset` (its rank among its replica's pollers, so that every replica's pollers ask
    for all three views at any moment: with i % 3 instead, 3 replicas would get all their
    pollers on one view at a time, each view for one second in three). Records
    (scheduled, sent, done, view, status, X-Cache, Age, data age) per answer, data age being
    the wall clock at the answer less the body's `timestamp` (the collection's, in seconds;
    None without one); (scheduled, error) per failure (the connection is then reopened)."""

    def __init__(self, index, n_pollers, port, replica, view_offset, start, interval, stop):
        super().__init__(daemon=True)
        self.index, self.port, self.replica = index, port, replica
        self.view_offset = view_offset
        self.first = start + interval * index / n_pollers  # spread over one interval
        self.interval, self.stop_event = interval, stop
        self.answers, self.errors = [], []
        self.connects = 0

    def run(self):
        conn = None
        k = 0
        while not self.stop_event.is_set():
            scheduled = self.first + k * self.interval
            delay = scheduled - time.monotonic()
            if delay > 0 and self.stop_event.wait(delay):
                break
            view = (self.view_offset + k) % len(VIEWS)
            k += 1
            sent = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=10)
                    self.connects += 1
                conn.request('GET', VIEWS[view])
                resp = conn.getresponse()
                body = resp.read()
                done, now = time.monotonic(), time.time()
                age = resp.getheader('Age')
                ts = TIMESTAMP.search(body)
                self.answers.append((scheduled, sent, done, view, resp.status,
                                     resp.getheader('X-Cache', '-'),
                                     int(age) if age is not None else None,
                                     round(now - float(ts.group(1)), 4) if ts else None))
                if resp.will_close:
                    conn.close()
                    conn = None
            except Exception as exc:  # counted, reconnect
                self.errors.append((scheduled, repr(exc)))
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()


def pct(values, p):
    """Nearest-rank percentile of a sorted list (None if empty)."""
    if not values:
        return None
    return values[min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))]


def age_summary(ages, histogram=True):
    """Nearest-rank median/p90/p99 (so whole seconds stay whole), max, mean."""
    ages = sorted(ages)
    if not ages:
        return {'n': 0}
    out = {'n': len(ages), 'median': pct(ages, 50), 'p90': pct(ages, 90), 'p99': pct(ages, 99),
           'max': ages[-1], 'mean': round(statistics.fmean(ages), 3)}
    if histogram:
        out['histogram'] = {str(k): v for k, v in sorted(collections.Counter(ages).items())}
    return out


def answers_summary(rows, seconds):
    """Figures of answers (the Poller tuples): by status, X-Cache, view; Age; latency."""
    by_status = collections.Counter(str(r[4]) for r in rows)
    by_cache = collections.Counter(r[5] for r in rows)
    # A MISS was collected for that request: no Age header, age 0.
    ages = [r[6] if r[6] is not None else 0 for r in rows if r[4] == 200]
    data_ages = [r[7] for r in rows if r[4] == 200 and r[7] is not None]
    lat = sorted((r[2] - r[1]) * 1000 for r in rows)
    late = sorted((r[1] - r[0]) * 1000 for r in rows)
    by_view = {}
    for v, name in enumerate(VIEW_NAMES):
        vr = [r for r in rows if r[3] == v]
        by_view[name] = {'answers': len(vr),
                         'x_cache': dict(collections.Counter(r[5] for r in vr)),
                         'age': age_summary([r[6] if r[6] is not None else 0
                                             for r in vr if r[4] == 200]),
                         'data_age_s': age_summary([r[7] for r in vr if r[4] == 200
                                                    and r[7] is not None], histogram=False)}
    n = len(rows)
    return {'answers': n, 'req_per_s': round(n / seconds, 2),
            'status': dict(by_status), 'x_cache': dict(by_cache),
            'hit_pct': round(100 * by_cache.get('HIT', 0) / n, 2) if n else None,
            'without_age_header': sum(1 for r in rows if r[4] == 200 and r[6] is None),
            'age': age_summary(ages),
            'data_age_s': age_summary(data_ages, histogram=False),
            'latency_ms': {'median': round(pct(lat, 50), 3) if lat else None,
                           'p99': round(pct(lat, 99), 3) if lat else None,
                           'max': round(lat[-1], 3) if lat else None},
            'lateness_ms': {'median': round(pct(late, 50), 3) if late else None,
                            'p99': round(pct(late, 99), 3) if late else None,
                            'max': round(late[-1], 3) if late else None},
            'by_view': by_view}


# --- one size --------------------------------------------------------------------------------

def measure_baseline(redis, seconds, slice_s=5.0):
    """Broker commands/s of the workers alone over `seconds` (with per-slice totals)."""
    samples = [redis.commandstats()]
    end = samples[0][1] + seconds
    while time.monotonic() < end:
        time.sleep(min(slice_s, end - time.monotonic()))
        samples.append(redis.commandstats())
    by_cmd = rate(samples[0], samples[-1])
    return {'seconds': round(samples[-1][1] - samples[0][1], 2),
            'commands_per_s': round(sum(by_cmd.values()), 2),
            'slices_per_s': [round(sum(rate(x, y).values()), 2)
                             for x, y in zip(samples, samples[1:])],
            'by_command': {k: round(v, 3) for k, v in sorted(by_cmd.items(), key=lambda kv: -kv[1])}}


def measure_size(a, procs, redis, n):
    log(f'{n} replica(s): starting')
    replicas, setup = start_replicas(procs, a, redis.url, n)
    holder = [r.name for r in replicas if r.replication().get('role') == 'holder']
    log(f'{n} replica(s): ready, holder {holder} ({setup})')
    stop = threading.Event()
    start = time.monotonic() + 0.5
    pollers = [Poller(i, a.pollers, replicas[i % n].port, replicas[i % n].name, i // n, start,
                      a.interval, stop) for i in range(a.pollers)]
    old_stack = threading.stack_size(256 * 1024)
    try:
        for p in pollers:
            p.start()
    finally:
        threading.stack_size(old_stack)
    try:
        time.sleep(max(0.0, start + a.warmup - time.monotonic()))
        procs.check_alive()
        metrics0 = {r.name: r.metrics() for r in replicas}
        pids = {r.name: r.proc.pid for r in replicas}
        pids['redis-server'] = redis.proc.pid
        cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
        own0 = time.process_time()
        samples = [redis.commandstats()]
        t0 = samples[0][1]
        end = t0 + a.window
        while time.monotonic() < end:
            time.sleep(min(5.0, end - time.monotonic()))
            samples.append(redis.commandstats())
        t1 = samples[-1][1]
        cpu1 = {k: cpu_seconds(p) for k, p in pids.items()}
        own1 = time.process_time()
        metrics1 = {r.name: r.metrics() for r in replicas}
        reports = {r.name: r.replication() for r in replicas}
    finally:
        stop.set()
        for p in pollers:
            p.join(15)
    procs.check_alive()
    seconds = t1 - t0
    in_window = [row for p in pollers for row in p.answers if t0 <= row[1] < t1]
    errors_window = [e for p in pollers for e in p.errors if t0 <= e[0] < t1]
    errors_all = [e for p in pollers for e in p.errors]
    per_replica = {}
    for r in replicas:
        rows = [row for p in pollers if p.replica == r.name for row in p.answers
                if t0 <= row[1] < t1]
        per_replica[r.name] = answers_summary(rows, seconds)
        per_replica[r.name]['pollers'] = sum(1 for p in pollers if p.replica == r.name)
        per_replica[r.name]['role_at_end'] = reports[r.name].get('role')
        m0, m1 = metrics0[r.name], metrics1[r.name]
        per_replica[r.name]['replication_delta'] = {
            k.split('{')[0]: m1[k] - m0.get(k, 0) for k in m1
            if k.startswith('queuemon_replication_') and k.split('{')[0].endswith('_total')}
        per_replica[r.name]['collections_delta'] = {
            k: m1[k] - m0.get(k, 0) for k in m1
            if k.startswith('queuemon_collector_') and k.split('{')[0].endswith('_total')
            and m1[k] - m0.get(k, 0) != 0}
        per_replica[r.name]['readyz_replication'] = reports[r.name]
    by_cmd = rate(samples[0], samples[-1])
    result = {
        'replicas': n, 'setup': setup, 'holder_at_start': holder,
        'holder_at_end': [k for k, v in reports.items() if v.get('role') == 'holder'],
        'window_s': round(seconds, 2),
        'broker': {'commands_per_s': round(sum(by_cmd.values()), 2),
                   'slices_per_s': [round(sum(rate(x, y).values()), 2)
                                    for x, y in zip(samples, samples[1:])],
                   'by_command': {k: round(v, 3)
                                  for k, v in sorted(by_cmd.items(), key=lambda kv: -kv[1])}},
        'answers': answers_summary(in_window, seconds),
        'errors_in_window': len(errors_window),
        'errors_total': len(errors_all),
        'error_samples': [e[1] for e in errors_all[:10]],
        'connections_opened': sum(p.connects for p in pollers),
        'answers_total_incl_warmup': sum(len(p.answers) for p in pollers),
        'per_replica': per_replica,
        'cpu_pct_of_core': {k: round(100 * (cpu1[k] - cpu0[k]) / seconds, 2) for k in cpu0},
        'harness_cpu_pct_of_core': round(100 * (own1 - own0) / seconds, 2),
        'loadavg_end': open('/proc/loadavg').read().split()[:3],
    }
    log(f'{n} replica(s): {result["broker"]["commands_per_s"]} commands/s, '
        f'{result["answers"]["req_per_s"]} req/s, {result["answers"]["x_cache"]}, '
        f'{result["answers"]["status"]}; stopping')
    codes = procs.stop([r.proc for r in replicas])
    result['exit_codes'] = {r.name: codes[r.proc.pid][0] for r in replicas}
    result['stop_seconds'] = {r.name: codes[r.proc.pid][1] for r in replicas}
    result['log_warnings'] = {r.name: [l for l in procs.log_of(r.log_name).splitlines()
                                       if re.match(r'\S+ (warning|error|critical) ', l)][-20:]
                              for r in replicas}
    result['lease_after_stop'] = redis.cli('GET', f'{PREFIX}:celery:lease') or None
    keys = [k for k in redis.cli('--scan', '--pattern', f'{PREFIX}:*').splitlines() if k]
    result['shared_keys_after_stop'] = sorted(keys)
    if keys:
        redis.cli('DEL', *keys)  # the next size starts from an empty shared snapshot
    if any(code != 0 for code in result['exit_codes'].values()):
        result['warning'] = f'non-zero exit: {result["exit_codes"]}'
    return result


# --- report ----------------------------------------------------------------------------------

def fmt(x, digits=1):
    if x is None:
        return '—'
    if isinstance(x, float):
        return f'{x:,.{digits}f}'.replace(',', ' ')
    return f'{x:,}'.replace(',', ' ')


def derive(res):
    """Adds the daemons' share (beyond the workers-only baseline) to every size."""
    bases = [b['commands_per_s'] for b in (res['baseline'], res.get('baseline_end')) if b]
    base = statistics.fmean(bases)
    base_cmd = collections.defaultdict(float)
    for b in (res['baseline'], res.get('baseline_end')):
        if b:
            for k, v in b['by_command'].items():
                base_cmd[k] += v / len(bases)
    res['baseline_used_per_s'] = round(base, 2)
    for s in res['sizes']:
        if 'error' in s:
            continue
        s['daemons_commands_per_s'] = round(s['broker']['commands_per_s'] - base, 2)
        beyond = {k: s['broker']['by_command'].get(k, 0) - base_cmd.get(k, 0)
                  for k in set(s['broker']['by_command']) | set(base_cmd)}
        s['daemons_by_command'] = {k: round(v, 3) for k, v in
                                   sorted(beyond.items(), key=lambda kv: -abs(kv[1]))[:8]}
    one = next((s for s in res['sizes'] if s.get('replicas') == 1 and 'error' not in s), None)
    for s in res['sizes']:
        if one and 'error' not in s and one['daemons_commands_per_s'] > 0:
            s['ratio_to_1'] = round(s['daemons_commands_per_s'] / one['daemons_commands_per_s'], 3)


def render(res):
    out = []
    b0, b1 = res['baseline'], res.get('baseline_end')
    out.append(f'Workers only: {fmt(b0["commands_per_s"])} commands/s at the start'
               + (f', {fmt(b1["commands_per_s"])} at the end' if b1 else '')
               + f' (subtracted: {fmt(res["baseline_used_per_s"])}).\n')
    out.append('| replicas | broker cmds/s beyond workers | ratio to N=1 | req/s served | '
               'HIT % | Age median / p99 (s) |')
    out.append('|---|---|---|---|---|---|')
    for s in res['sizes']:
        if 'error' in s:
            out.append(f'| {s["replicas"]} | error: {s["error"][:80]} | | | | |')
            continue
        ans = s['answers']
        out.append(f'| {s["replicas"]} | {fmt(s["daemons_commands_per_s"])} | '
                   f'{fmt(s.get("ratio_to_1"), 2)} | {fmt(ans["req_per_s"])} | '
                   f'{fmt(ans["hit_pct"])} | {fmt(ans["age"].get("median"))} / '
                   f'{fmt(ans["age"].get("p99"))} |')
    out.append('\n| replicas | X-Cache | status | Age p90 / max (s) | data age from the body\'s '
               'timestamp: median / p99 / max (s) | errors | latency median / p99 ms | '
               'lateness p99 ms | CPU % of a core: replicas (holder first), redis, harness | '
               'exit codes, seconds to stop |')
    out.append('|---|---|---|---|---|---|---|---|---|---|')
    for s in res['sizes']:
        if 'error' in s:
            continue
        ans = s['answers']
        da = ans['data_age_s']
        holder = s['holder_at_end'][0] if s['holder_at_end'] else None
        names = sorted(s['per_replica'], key=lambda k: (k != holder, k))
        cpu = ' / '.join(fmt(s['cpu_pct_of_core'][k]) for k in names)
        out.append(f'| {s["replicas"]} | {dict(sorted(ans["x_cache"].items()))} | '
                   f'{ans["status"]} | {fmt(ans["age"].get("p90"))} / {fmt(ans["age"].get("max"))} | '
                   f'{fmt(da.get("median"), 2)} / {fmt(da.get("p99"), 2)} / {fmt(da.get("max"), 2)} | '
                   f'{s["errors_in_window"]} ({s["errors_total"]} in all) | '
                   f'{fmt(ans["latency_ms"]["median"], 2)} / {fmt(ans["latency_ms"]["p99"], 2)} | '
                   f'{fmt(ans["lateness_ms"]["p99"])} | {cpu}, {fmt(s["cpu_pct_of_core"]["redis-server"])}, '
                   f'{fmt(s["harness_cpu_pct_of_core"])} | '
                   f'{" ".join(str(c) for c in s["exit_codes"].values())}, '
                   f'{fmt(max(s["stop_seconds"].values()))} |')
    out.append('\nDaemons\' commands/s by command (window less the workers-only rate; top 8, share '
               'of the daemons\' total):\n')
    for s in res['sizes']:
        if 'error' in s:
            continue
        total = s['daemons_commands_per_s']
        cmds = ', '.join(f'{k} {fmt(v, 2)} ({fmt(100 * v / total, 0)} %)' if total > 0 else
                         f'{k} {fmt(v, 2)}' for k, v in s['daemons_by_command'].items())
        out.append(f'- N={s["replicas"]}: {cmds}')
    out.append('\nPer replica (role at the end; answers; HIT %; Age median / p99 / max; data age '
               'median / p99; announcements applied / requests to the holder / views written, '
               'over the window):\n')
    for s in res['sizes']:
        if 'error' in s:
            continue
        parts = []
        for name, r in sorted(s['per_replica'].items()):
            d = r['replication_delta']
            parts.append(f'{name} {r["role_at_end"]}: {r["answers"]}, {fmt(r["hit_pct"])} %, '
                         f'{fmt(r["age"].get("median"))}/{fmt(r["age"].get("p99"))}/'
                         f'{fmt(r["age"].get("max"))} s, '
                         f'{fmt(r["data_age_s"].get("median"), 2)}/'
                         f'{fmt(r["data_age_s"].get("p99"), 2)} s, '
                         f'{fmt(d.get("queuemon_replication_announcements_applied_total"), 0)} / '
                         f'{fmt(d.get("queuemon_replication_requests_sent_total"), 0)} / '
                         f'{fmt(d.get("queuemon_replication_writes_total"), 0)}')
        out.append(f'- N={s["replicas"]}: ' + '; '.join(parts))
    return '\n'.join(out) + '\n'


# --- main ------------------------------------------------------------------------------------

def meta(a):
    def out(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
        except OSError:
            return None
    mtime = datetime.datetime.fromtimestamp(os.path.getmtime(a.queuemond), datetime.timezone.utc)
    return {'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S UTC'),
            'git': out('git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'),
            'git_modified': out('git', '-C', ROOT, 'status', '--porcelain', '-uno').splitlines(),
            'queuemond': a.queuemond,
            'queuemond_mtime': mtime.strftime('%Y-%m-%d %H:%M:%S UTC'),
            'queuemond_version': out(a.queuemond, '--version'),
            'redis': out('redis-server', '--version'),
            'cpus': os.cpu_count(), 'loadavg_start': open('/proc/loadavg').read().split()[:3],
            'nice': os.nice(0), 'argv': ' '.join(sys.argv[1:]),
            'pollers': a.pollers, 'interval_s': a.interval, 'warmup_s': a.warmup,
            'window_s': a.window, 'baseline_s': a.baseline, 'lease_ms': a.lease_ms,
            'views': list(VIEWS),
            'config_example': replica_config(a, 'redis://127.0.0.1:PORT/0', 1, '/tmp/.../state')}


def _terminate(signum, _frame):
    for sig in (signal.SIGINT, signal.SIGTERM):  # a second signal must not cut the cleanup
        signal.signal(sig, signal.SIG_IGN)
    raise KeyboardInterrupt(f'signal {signum}')


def main(argv):
    a = parse_args(argv)
    # Cleanup runs in the finally below; SIGINT too when the shell started us with it ignored.
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    state = tempfile.mkdtemp(prefix='queuemon-replicas-')
    procs = Procs(state)
    res = {'meta': meta(a), 'sizes': []}
    failed = False
    try:
        try:
            redis = Redis(procs)
            redis.start()
            log(f'redis-server on port {redis.port}; starting the Celery workers (logs in {state})')
            res['meta']['workers'] = start_workers(procs, redis.url)
            time.sleep(a.warmup)  # the workers' start-up traffic is over before the baseline
            log(f'workers-only baseline ({a.baseline} s)')
            res['baseline'] = measure_baseline(redis, a.baseline)
            log(f'workers only: {res["baseline"]["commands_per_s"]} commands/s')
            for n in a.replicas:
                try:
                    res['sizes'].append(measure_size(a, procs, redis, n))
                except Exception as exc:  # one size failing must not lose the others
                    traceback.print_exc()
                    failed = True
                    res['sizes'].append({'replicas': n, 'error': repr(exc),
                                         'logs': replica_logs(procs)})
                    procs.stop([p for name, p in procs.procs if name.startswith('queuemond-')])
                    keys = [k for k in redis.cli('--scan', '--pattern', f'{PREFIX}:*').split()]
                    if keys:
                        redis.cli('DEL', *keys)
                procs.check_alive(['w1', 'w2'])
            log(f'workers-only baseline again ({a.baseline} s)')
            res['baseline_end'] = measure_baseline(redis, a.baseline)
        finally:
            procs.close()
        res['meta']['loadavg_end'] = open('/proc/loadavg').read().split()[:3]
        derive(res)
        text = render(res)
        print(text)
        failed = failed or any(s.get('warning') or s.get('errors_total') or
                               set(s.get('answers', {}).get('status', {})) - {'200'}
                               for s in res['sizes'])
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, 'w') as f:
            json.dump(res, f, indent=1, default=str)
        if a.markdown:
            with open(a.markdown, 'w') as f:
                f.write(text)
        log(f'figures written to {a.out}')
    finally:
        if a.keep_state:
            log(f'logs kept in {state}')
        else:
            shutil.rmtree(state, ignore_errors=True)
    return 1 if failed else 0


def replica_logs(procs):
    """The last lines of every queuemond log (the state directory is deleted at exit)."""
    out = {}
    for name in os.listdir(procs.state):
        if name.startswith('queuemond-') and name.endswith('.log'):
            out[name] = procs.log_of(name[:-4]).splitlines()[-30:]
    return out


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt as interrupted:
        log(f'interrupted ({interrupted}); every process stopped, temporary files removed')
        sys.exit(130)
