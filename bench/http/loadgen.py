"""Load generators: wrk runs (with the server's CPU time measured from /proc around each run)
and single sequential requests timed from the client side."""
import http.client
import json
import os
import resource
import statistics
import subprocess
import time

import stack

HERE = os.path.dirname(os.path.abspath(__file__))
PERCENTILES_LUA = os.path.join(HERE, 'percentiles.lua')
TASK_IDS_LUA = os.path.join(HERE, 'task_ids.lua')
CLK_TCK = os.sysconf('SC_CLK_TCK')


def run_wrk(port, path, connections, duration, server_pid, wrk_threads=1, wrk_cpu=None,
            script=PERCENTILES_LUA, script_args=(), timeout_s=5):
    """One wrk run; returns a dict of counters, percentiles (us), rps and server CPU."""
    url = f'http://127.0.0.1:{port}{path}'
    cmd = stack.taskset_prefix(wrk_cpu) + [
        'wrk', '-t', str(wrk_threads), '-c', str(connections), '-d', f'{max(1, round(duration))}s',
        '--timeout', f'{timeout_s}s', '--latency', '-s', script, url]
    if script_args:
        cmd += ['--', *map(str, script_args)]
    before = stack.cpu_ticks(server_pid)
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration * 3 + 30)
    usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    after = stack.cpu_ticks(server_pid)
    line = next((l for l in out.stdout.splitlines() if l.startswith('WRK_JSON ')), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f'wrk failed ({out.returncode}): {out.stderr[-1000:]} {out.stdout[-1000:]}')
    r = json.loads(line[len('WRK_JSON '):])
    r['rps'] = r['requests'] / (r['duration_us'] / 1e6)
    r['errors'] = r['connect'] + r['read'] + r['write'] + r['status'] + r['timeout']
    cpu_s = (after - before) / CLK_TCK
    r['cpu_s'] = cpu_s
    # The load generator's own CPU: if wrk is near 1 core per thread, wrk is the bottleneck.
    r['wrk_cpu_share'] = ((usage1.ru_utime - usage0.ru_utime + usage1.ru_stime - usage0.ru_stime)
                          / (r['duration_us'] / 1e6) / wrk_threads)
    r['server_cpu_share'] = cpu_s / (r['duration_us'] / 1e6)
    r['cpu_s_per_100k'] = cpu_s / r['requests'] * 1e5 if r['requests'] else float('nan')
    r['connections'] = connections
    return r


class Timer:
    """Sequential requests over one keep-alive connection, timed on the client."""

    def __init__(self, port, timeout=120.0):
        self.port = port
        self.timeout = timeout
        self.conn = None

    def request(self, path, method='GET'):
        for attempt in (0, 1):  # reconnect once if the server closed an idle connection
            if self.conn is None:
                self.conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                                       timeout=self.timeout)
            try:
                start = time.perf_counter()
                self.conn.request(method, path)
                resp = self.conn.getresponse()
                body = resp.read()
                elapsed = time.perf_counter() - start
                return resp.status, resp.getheader('X-Cache'), elapsed, body
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError('unreachable')

    def close(self):
        if self.conn is not None:
            self.conn.close()


def summarize_ms(samples):
    """p50/p90/max of seconds-samples, in milliseconds."""
    if not samples:
        return {'n': 0}
    s = sorted(samples)
    pick = lambda q: s[min(len(s) - 1, int(q * len(s)))]
    return {'n': len(s), 'p50_ms': statistics.median(s) * 1e3, 'p90_ms': pick(0.9) * 1e3,
            'max_ms': s[-1] * 1e3}


def cold_misses(port, invalidate_path, path, repeats):
    """invalidate, then one request, repeated: latency of a cold-key MISS (client side)."""
    t = Timer(port)
    samples, kinds, statuses = [], {}, {}
    try:
        for _ in range(repeats):
            t.request(invalidate_path, 'POST')
            status, kind, elapsed, _ = t.request(path)
            samples.append(elapsed)
            kinds[kind] = kinds.get(kind, 0) + 1
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        t.close()
    return dict(summarize_ms(samples), x_cache=kinds, status=statuses)


def sequential(port, path, repeats):
    """`repeats` sequential requests of `path`: latency summary, X-Cache kinds and statuses."""
    t = Timer(port)
    samples, kinds, statuses = [], {}, {}
    try:
        for _ in range(repeats):
            status, kind, elapsed, _ = t.request(path)
            samples.append(elapsed)
            kinds[kind] = kinds.get(kind, 0) + 1
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        t.close()
    return dict(summarize_ms(samples), x_cache=kinds, status=statuses)
