"""The benchmark's processes on loopback free ports: redis-server, Celery workers, queuemond,
nginx (static ceiling) and the original FastAPI design (reference). Owns every process it starts
and stops them (SIGTERM, then SIGKILL after a deadline) when the Stack is closed.

Readiness is always awaited as a condition with a deadline, never by sleeping a fixed time.
"""
import ctypes
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CELERY_APP = os.environ.get('QUEUEMON_BENCH_CELERY_APP', os.path.join(ROOT, 'tests', 'celery_app'))
HERE = os.path.dirname(os.path.abspath(__file__))
PY = '/usr/bin/python3'  # owns python3-celery, fastapi, uvicorn
API = '/api/v1/celery'


def _die_with_parent():
    """preexec_fn: the child gets SIGTERM if the harness dies (even by SIGKILL, e.g. a ctest
    timeout), so no redis-server, worker or server outlives a killed run."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


NICE = []  # set by run_bench.py --priority: ['nice', '-n', '-10'] for the servers and wrk


def taskset_prefix(cpu):
    if cpu is None or not shutil.which('taskset'):
        return list(NICE)
    return NICE + ['taskset', '-c', str(cpu)]


def pinning_works():
    """taskset can fail in containers with a restricted cpuset; fall back to no pinning."""
    if os.cpu_count() is None or os.cpu_count() < 2 or not shutil.which('taskset'):
        return False
    return subprocess.run(['taskset', '-c', '1', 'true'], capture_output=True).returncode == 0


def wait_until(what, seconds, predicate, interval=0.1):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(interval)  # polling a condition with a deadline
    raise RuntimeError(f'{what} not ready after {seconds} s (last error: {last!r})')


def http_request(port, path, method='GET', timeout=10.0):
    """One request on a fresh connection: (status, headers dict (lower-case), body bytes)."""
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
    try:
        conn.request(method, path)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


def http_ok(port, path):
    return http_request(port, path, timeout=2.0)[0] == 200


def cpu_ticks(pid):
    """utime+stime (clock ticks) of pid and its direct children (nginx master + workers)."""
    total = 0
    for p in [pid] + children(pid):
        try:
            with open(f'/proc/{p}/stat') as f:
                fields = f.read().rsplit(')', 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def children(pid):
    out = []
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open(f'/proc/{name}/stat') as f:
                if int(f.read().rsplit(')', 1)[1].split()[1]) == pid:
                    out.append(int(name))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
    return out


def rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


class Stack:
    def __init__(self, state_dir, log=print):
        self.state = state_dir
        self.log = log
        self.procs = []  # (name, Popen), stopped in reverse order
        self.redis_port = None
        self.workers = []
        self.hostname = socket.gethostname()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def spawn(self, name, cmd, cwd=None, env=None):
        logf = open(os.path.join(self.state, name + '.log'), 'ab')
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=logf, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        logf.close()
        self.procs.append((name, proc))
        return proc

    def stop(self, proc, seconds=10.0):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(seconds)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs = [(n, p) for n, p in self.procs if p is not proc]

    def close(self):
        for _, proc in reversed(list(self.procs)):
            self.stop(proc)

    def check_alive(self):
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f'{name} exited with {proc.returncode}; '
                                   f'see {self.state}/{name}.log')

    # --- Redis and Celery -------------------------------------------------------------------

    @property
    def broker(self):
        return f'redis://127.0.0.1:{self.redis_port}/0'

    def celery_env(self):
        env = dict(os.environ)
        env['PYTHONPATH'] = CELERY_APP + os.pathsep + HERE
        env['QUEUEMON_CELERY_BROKER'] = self.broker
        return env

    def start_redis(self):
        self.redis_port = free_port()
        self.spawn('redis', ['redis-server', '--port', str(self.redis_port), '--bind',
                             '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', self.state])
        wait_until('redis-server', 10, lambda: self.redis_cli('PING') == 'PONG')

    def redis_cli(self, *args):
        out = subprocess.run(['redis-cli', '-p', str(self.redis_port), *args],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip()

    def start_workers(self, count, concurrency=2, first=1, events_on_first=True):
        names = []
        for i in range(first, first + count):
            name = f'w{i}@{self.hostname}'
            cmd = [PY, '-m', 'celery', '-A', 'tasks', 'worker', '-n', name, '-c',
                   str(concurrency), '-Q', 'celery,reports', '--loglevel=WARNING']
            if events_on_first and i == 1:
                cmd.append('-E')
            self.workers.append((name, self.spawn(f'w{i}', cmd, CELERY_APP, self.celery_env())))
            names.append(name)
        res = subprocess.run([PY, 'ctl.py', 'wait-ready', *names, '--timeout', '90'],
                             cwd=CELERY_APP, env=self.celery_env(), capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError(f'workers not ready: {res.stderr[-2000:]}')
        return names

    def seed_tasks(self):
        """A stable, non-trivial view: queued messages nobody consumes, scheduled tasks, results."""
        def send(*args):
            subprocess.run([PY, 'ctl.py', 'send', *args], cwd=CELERY_APP, env=self.celery_env(),
                           check=True, capture_output=True, timeout=60)
        send('add', '--args', '[1, 2]', '--queue', 'backlog', '--count', '20')
        send('add', '--args', '[2, 3]', '--queue', 'backlog', '--priority', '6', '--count', '5')
        send('sleepy', '--args', '[1]', '--countdown', '3600', '--count', '4')
        send('add', '--args', '[3, 4]', '--count', '10')

    # --- HTTP servers -----------------------------------------------------------------------

    def start_queuemond(self, binary, threads, cpu=None, extra_config=None, name='queuemond'):
        port = free_port()
        # One load generator on loopback opens every connection: no per-address limit.
        config = {'threads': threads, 'log_level': 'warn',
                  'http': {'max_connections_per_address': 0}}
        config.update(extra_config or {})
        path = os.path.join(self.state, name + '.json')
        with open(path, 'w') as f:
            json.dump(config, f)
        proc = self.spawn(name, taskset_prefix(cpu) + [
            binary, '--config', path, '--listen', f'127.0.0.1:{port}', '--broker', self.broker])
        wait_until('queuemond /readyz', 30, lambda: self._alive(proc) and http_ok(port, '/readyz'))
        return port, proc

    def start_original(self, cpu=None, name='original', ttl=None):
        port = free_port()
        env = self.celery_env()
        if ttl is not None:
            env['QUEUEMON_ORIGINAL_TTL'] = str(ttl)
        proc = self.spawn(name, taskset_prefix(cpu) + [
            PY, '-m', 'uvicorn', 'original_app:app', '--app-dir', HERE, '--host', '127.0.0.1',
            '--port', str(port), '--workers', '1', '--log-level', 'warning', '--no-access-log'],
            cwd=CELERY_APP, env=env)
        wait_until(name, 30, lambda: self._alive(proc) and http_ok(port, '/healthz'))
        return port, proc

    def start_nginx(self, body, path, workers, cpu=None):
        """nginx in the foreground with its own prefix: serves `body` at `path`, keep-alive."""
        prefix = os.path.join(self.state, 'nginx')
        www = os.path.join(prefix, 'www')
        os.makedirs(os.path.join(www, os.path.dirname(path.lstrip('/'))), exist_ok=True)
        with open(os.path.join(www, path.lstrip('/')), 'wb') as f:
            f.write(body)
        for d in (self.state, prefix, www):
            os.chmod(d, 0o755)  # nginx workers run as nobody when started by root
        for root, dirs, _ in os.walk(www):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
        port = free_port()
        conf = os.path.join(prefix, 'nginx.conf')
        with open(conf, 'w') as f:
            f.write(NGINX_CONF.format(workers=workers, prefix=prefix, port=port, www=www))
        proc = self.spawn('nginx', taskset_prefix(cpu) + [
            'nginx', '-p', prefix, '-c', conf, '-e', os.path.join(prefix, 'error.log')])
        wait_until('nginx', 10, lambda: self._alive(proc) and http_ok(port, path))
        return port, proc

    def _alive(self, proc):
        if proc.poll() is not None:
            raise RuntimeError(f'process exited with {proc.returncode}; logs in {self.state}')
        return True


NGINX_CONF = """# generated by bench/http/stack.py: a static-file ceiling for the HIT path
daemon off;
master_process on;
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 8192; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/client_body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  keepalive_timeout 65;
  keepalive_requests 100000000;
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    root {www};
    location / {{
      default_type application/json;
      add_header X-Cache HIT;
      add_header Cache-Control max-age=5;
    }}
  }}
}}
"""


if __name__ == '__main__':
    print('stack.py is a module; use bench/http/run_bench.sh', file=sys.stderr)
    sys.exit(2)
