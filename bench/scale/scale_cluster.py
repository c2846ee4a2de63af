"""One cluster size on fresh processes: redis-server, cluster_sim (N workers, Q queues) and
queuemond, all owned by a bench/http stack.Stack (SIGTERM, then SIGKILL, when it closes; each
child also dies with the harness through PR_SET_PDEATHSIG).

Readiness is awaited as a condition with a deadline: redis PING, cluster_sim's "ready" line,
queuemond's /readyz, then the workers view listing every simulated worker online.
"""
import json
import os
import resource
import time

import stack
import scale_probe as probe

VIEWS = ('workers', 'queues', 'tasks')
CACHES = ('task_status', 'worker_status', 'queue_status', 'metrics_summary', 'health_check')


def view_path(view, bypass=False):
    return f'{stack.API}/{view}/status' + ('?use_cache=false' if bypass else '')


def raise_fd_limit():
    """Soft RLIMIT_NOFILE up to the hard one, inherited by redis-server and cluster_sim (one
    socket per simulated worker on both sides)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def daemon_config(args, broker):
    # Every ttl and refresh_after long: an entry a bypass stored stays a HIT, and no
    # background refresh starts while a size is measured.
    cache = {'ttl_seconds': args.ttl, 'refresh_after_seconds': args.ttl}
    config = {'log_level': 'warn',
              'http': {'max_connections_per_address': 0, 'request_timeout_ms': 600000},
              'caches': {name: dict(cache) for name in CACHES},
              'sources': [{'kind': 'celery', 'name': 'celery', 'broker': broker,
                           'inspect_timeout_ms': args.inspect_timeout_ms}]}
    if args.threads:
        config['threads'] = args.threads
    return config


def wait_for(what, seconds, proc, predicate, interval=0.05):
    """stack.wait_until, but a process that exits fails at once rather than at the deadline."""
    stack.wait_until(what, seconds, lambda: proc.poll() is not None or predicate(), interval)
    if proc.poll() is not None:
        raise RuntimeError(f'{what}: the process exited with {proc.returncode} (see its log)')


class Cluster:
    """The three processes of one size. REQUIRES: used inside `with stack.Stack(...)`."""

    def __init__(self, s, args, workers, queues):
        self.s, self.args = s, args
        self.workers, self.queues = workers, queues
        self.redis = None  # probe.Redis, the harness's own connection
        self.redis_pid = self.sim_pid = self.pid = self.port = None
        self.timing = {}

    @property
    def broker(self):
        return f'redis://127.0.0.1:{self.s.redis_port}/0'

    def start(self):
        self.start_redis()
        self.start_sim()
        self.start_daemon()

    def start_redis(self):
        s = self.s
        s.redis_port = stack.free_port()
        proc = s.spawn('redis', ['redis-server', '--port', str(s.redis_port), '--bind', '127.0.0.1',
                                 '--save', '', '--appendonly', 'no', '--dir', s.state,
                                 '--maxclients', '20000'])
        self.redis_pid = proc.pid

        def connect():
            self.redis = probe.Redis(s.redis_port)
            return self.redis('PING') == 'PONG'
        wait_for('redis-server', 15, proc, connect)

    def start_sim(self):
        t0 = time.monotonic()
        proc = self.s.spawn('cluster_sim', [self.args.cluster_sim, '--redis', self.broker,
                                            '--workers', str(self.workers),
                                            '--queues', str(self.queues)])
        self.sim_pid = proc.pid
        log = os.path.join(self.s.state, 'cluster_sim.log')
        wait_for('cluster_sim', 180, proc, lambda: 'ready' in open(log).read().split())
        self.timing['sim_ready_s'] = time.monotonic() - t0

    def start_daemon(self):
        self.port = stack.free_port()
        path = os.path.join(self.s.state, 'queuemond.json')
        with open(path, 'w') as f:
            json.dump(daemon_config(self.args, self.broker), f, indent=1)
        t0 = time.monotonic()
        proc = self.s.spawn('queuemond', [self.args.queuemond, '--config', path,
                                          '--listen', f'127.0.0.1:{self.port}'])
        self.pid = proc.pid
        wait_for('queuemond /readyz', 180, proc, lambda: stack.http_ok(self.port, '/readyz'))
        self.timing['daemon_readyz_s'] = time.monotonic() - t0
        # The warm-up round lists the workers that answered it; a later bypass must see all.
        wait_for(f'{self.workers} workers online', 180, proc,
                 lambda: self.online(bypass=True) == self.workers, interval=0.2)
        self.timing['daemon_all_online_s'] = time.monotonic() - t0

    def online(self, bypass=False):
        status, _, body = stack.http_request(self.port, view_path('workers', bypass), timeout=300)
        return json.loads(body)['online'] if status == 200 else None

    def metric(self, name):
        """The value of an unlabelled-but-for-source series on /metrics (None if absent)."""
        _, _, body = stack.http_request(self.port, '/metrics', timeout=300)
        for line in body.decode().splitlines():
            if line.startswith(name + '{') or line.startswith(name + ' '):
                return float(line.rsplit(' ', 1)[1])
        return None

    def subscriber_ports(self):
        """Client ports of pub/sub connections (CLIENT LIST flags P): event streams, pidboxes."""
        out = set()
        for line in self.redis('CLIENT', 'LIST').decode().splitlines():
            fields = dict(f.split('=', 1) for f in line.split() if '=' in f)
            if 'P' in fields.get('flags', ''):
                out.add(int(fields['addr'].rsplit(':', 1)[1]))
        return out

    def sim_counts(self):
        """cluster_sim's final JSON line (after it was stopped), or None."""
        with open(os.path.join(self.s.state, 'cluster_sim.log')) as f:
            for line in reversed(f.read().splitlines()):
                if line.startswith('{'):
                    return json.loads(line)
        return None
