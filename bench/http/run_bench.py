#!/usr/bin/python3
"""HTTP benchmark of queuemond against nginx (static ceiling) and the original Python design
(reference), side by side in one run on one machine. Use bench/http/run_bench.sh, which installs
the tools and builds queuemond; see bench/notes/http.md for what each section measures.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import loadgen
import report
import shielding
import stack

SECTIONS = ('throughput', 'cold', 'shielding', 'taskids', 'c1000', 'collection')
WORKERS_PATH = stack.API + '/workers/status'


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--queuemond', help='queuemond binary (omit for a dry run without it)')
    ap.add_argument('--baseline', help='a second queuemond binary (e.g. the previous commit), '
                    'measured side by side as target queuemond-baseline in the throughput runs')
    ap.add_argument('--duration', type=float, help='seconds per wrk run (default 10; quick 2)')
    ap.add_argument('--quick', action='store_true', help='short runs, fewer rounds and sizes')
    ap.add_argument('--rounds', type=int, help='alternation rounds (default 3; quick 1)')
    ap.add_argument('--threads', type=int, default=1,
                    help='queuemond threads = nginx workers (default 1: one core for the server, '
                         'the other for wrk)')
    ap.add_argument('--priority', action='store_true',
                    help='run the servers and wrk at nice -10 (root), so that other work on a '
                         'shared machine disturbs the comparison less')
    ap.add_argument('--targets', default='queuemond,nginx,original,original-hit')
    ap.add_argument('--sections', default=','.join(SECTIONS))
    ap.add_argument('--shield-counts', help='pollers per shielding step (default 1,10,100,1000; '
                    'quick 1,10,100)')
    ap.add_argument('--shield-duration', type=float, help='seconds per shielding step (30; quick 3)')
    ap.add_argument('--task-ids', type=int, help='distinct task ids to look up (100000; quick 5000)')
    ap.add_argument('--big-workers', type=int,
                    help='workers for the second collection-latency step (20; quick 0 = skip)')
    ap.add_argument('--output', help='Markdown file (default bench/results/http-DATE.md)')
    ap.add_argument('--json', help='also write the raw figures here')
    a = ap.parse_args(argv)
    a.duration = a.duration or (2 if a.quick else 10)
    a.rounds = a.rounds or (1 if a.quick else 3)
    a.shield_counts = [int(x) for x in (a.shield_counts or
                                        ('1,10,100' if a.quick else '1,10,100,1000')).split(',')]
    a.shield_duration = a.shield_duration or (3 if a.quick else 30)
    a.big_workers = a.big_workers if a.big_workers is not None else (0 if a.quick else 20)
    a.task_ids = a.task_ids or (5000 if a.quick else 100_000)
    a.targets = [t for t in a.targets.split(',') if t]
    a.sections = [s for s in a.sections.split(',') if s]
    for s in a.sections:
        if s not in SECTIONS:
            ap.error(f'unknown section {s!r} (known: {", ".join(SECTIONS)})')
    if 'queuemond' in a.targets and not a.queuemond:
        a.targets.remove('queuemond')
    if a.baseline and 'queuemond-baseline' not in a.targets:
        a.targets.append('queuemond-baseline')
    return a


def log(msg):
    print(f'[{datetime.datetime.now():%H:%M:%S}] {msg}', flush=True)


class Bench:
    def __init__(self, args, s):
        self.a = args
        self.s = s
        self.pin = stack.pinning_works()
        if args.priority:
            stack.NICE[:] = ['nice', '-n', '-10']
        self.server_cpu = 0 if self.pin else None
        self.wrk_cpu = 1 if self.pin else None
        self.ports, self.procs = {}, {}
        self.res = {'meta': self.meta(), 'throughput': [], 'memory': []}

    def meta(self):
        git = subprocess.run(['git', '-C', stack.ROOT, 'rev-parse', '--short', 'HEAD'],
                             capture_output=True, text=True).stdout.strip()
        model = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo')
                      if l.startswith('model name')), platform.processor())
        return {'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
                'git': git, 'cpus': os.cpu_count(), 'cpu_model': model,
                'loadavg_start': open('/proc/loadavg').read().split()[:3],
                'argv': ' '.join(sys.argv[1:]), 'threads': self.a.threads,
                'duration': self.a.duration, 'rounds': self.a.rounds,
                'wrk': (subprocess.run(['wrk', '-v'], capture_output=True, text=True).stdout
                        .splitlines() or [''])[0],
                'nginx': subprocess.run(['nginx', '-v'], capture_output=True, text=True)
                .stderr.strip() if shutil.which('nginx') else 'nginx not installed'}

    def start(self):
        s = self.s
        log('starting redis-server and two Celery workers')
        s.start_redis()
        s.start_workers(2)
        s.seed_tasks()
        if 'queuemond' in self.a.targets:
            self.ports['queuemond'], self.procs['queuemond'] = s.start_queuemond(
                self.a.queuemond, self.a.threads, self.server_cpu)
            log(f'queuemond on :{self.ports["queuemond"]} (threads={self.a.threads})')
        if 'queuemond-baseline' in self.a.targets:
            self.ports['queuemond-baseline'], self.procs['queuemond-baseline'] = s.start_queuemond(
                self.a.baseline, self.a.threads, self.server_cpu, name='queuemond-baseline')
            log(f'baseline queuemond on :{self.ports["queuemond-baseline"]}')
        if 'original' in self.a.targets:
            self.ports['original'], self.procs['original'] = s.start_original(self.server_cpu)
            log(f'original app on :{self.ports["original"]}')
        if 'original-hit' in self.a.targets:
            self.ports['original-hit'], self.procs['original-hit'] = s.start_original(
                self.server_cpu, 'original-hit', ttl=86400)
            stack.http_request(self.ports['original-hit'], WORKERS_PATH)  # fill its cache once
            log(f'original app with a 1-day TTL (HIT path only) on :{self.ports["original-hit"]}')
        body_from = 'queuemond' if 'queuemond' in self.ports else 'original'
        status, headers, body = stack.http_request(self.ports[body_from], WORKERS_PATH)
        if status != 200:
            raise RuntimeError(f'{body_from} answered {status} for {WORKERS_PATH}')
        self.res['meta']['body_bytes'] = len(body)
        self.res['meta']['body_from'] = body_from
        if 'nginx' in self.a.targets:
            self.ports['nginx'], self.procs['nginx'] = s.start_nginx(
                body, WORKERS_PATH, self.a.threads, self.server_cpu)
            log(f'nginx on :{self.ports["nginx"]} serving the {len(body)}-byte body of {body_from}')
        self.res['meta']['pinning'] = ('servers on CPU 0, wrk on CPU 1' if self.pin
                                       else 'none (taskset unavailable)') + (
            '; servers and wrk at nice -10' if self.a.priority else '')
        self.memory('idle (after warm-up)')

    def memory(self, when):
        row = {'when': when}
        for name in ('queuemond', 'queuemond-baseline', 'original', 'original-hit'):
            if name in self.procs:
                row[name + '_rss_kib'] = stack.rss_kib(self.procs[name].pid)
        self.res['memory'].append(row)
        log(f'memory {when}: {row}')

    def wrk(self, target, path, c, duration=None):
        self.s.check_alive()
        r = loadgen.run_wrk(self.ports[target], path, c, duration or self.a.duration,
                            self.procs[target].pid, wrk_threads=1 if c <= 256 else 2,
                            wrk_cpu=self.wrk_cpu)
        return r

    def throughput(self):
        plan = [(t, t, WORKERS_PATH) for t in ('queuemond', 'queuemond-baseline', 'nginx',
                                               'original', 'original-hit') if t in self.ports]
        if 'queuemond' in self.ports:
            plan.append(('queuemond-bypass', 'queuemond', WORKERS_PATH + '?use_cache=false'))
        for rnd in range(self.a.rounds):
            for c in (32, 256):
                k = (rnd + (c == 256)) % len(plan)  # rotate the order between runs
                for label, target, path in plan[k:] + plan[:k]:
                    r = self.wrk(target, path, c)
                    r.update(target=label, round=rnd)
                    self.res['throughput'].append(r)
                    log(f'{label:17s} c={c:3d} round {rnd}: {r["rps"]:9.0f} req/s p50 '
                        f'{r["p50_us"]}us p99 {r["p99_us"]}us p99.9 {r["p999_us"]}us '
                        f'errors {r["errors"]} cpu/100k {r["cpu_s_per_100k"]:.2f}s')
        self.memory('after the throughput runs')

    def c1000(self):
        rows = []
        for t in ('queuemond', 'nginx', 'original'):
            if t in self.ports:
                r = self.wrk(t, WORKERS_PATH, 1000)
                r['target'] = t
                r['recovery_s'] = self.recover(t)
                rows.append(r)
                log(f'{t:10s} c=1000: {r["rps"]:9.0f} req/s p99 {r["p99_us"]}us errors '
                    f'{r["errors"]} (connect {r["connect"]} read {r["read"]} write '
                    f'{r["write"]} status {r["status"]} timeout {r["timeout"]})')
        self.res['c1000'] = rows

    def cold(self):
        """Cold-key MISS per view: invalidate that view's cache, then one GET (repeated)."""
        views = [('workers/status', 'worker_status'), ('queues/status', 'queue_status'),
                 ('tasks/status', 'task_status'), ('metrics/summary', 'metrics_summary'),
                 ('health', 'health_check')]
        rows = []
        for t, n, which in (('queuemond', 5 if self.a.quick else 30, views),
                            ('original', 2 if self.a.quick else 5, views[:1])):
            if t not in self.ports:
                continue
            if t == 'original':
                # Misses still running from earlier load would re-fill the cache right after
                # our invalidate (the original has no load generation check) and turn the
                # measured MISS into a HIT: wait until its broadcasts have stopped.
                shielding.wait_quiet(self.s.redis_port, log)
            for view, cache_name in which:
                r = loadgen.cold_misses(self.ports[t],
                                        f'{stack.API}/cache/invalidate?cache_name={cache_name}',
                                        f'{stack.API}/{view}', n)
                r.update(target=t, view=view)
                rows.append(r)
                log(f'cold MISS {t} {view}: {r}')
        self.res['cold'] = rows

    def shielding(self):
        counts, duration = self.a.shield_counts, self.a.shield_duration
        shielding.wait_quiet(self.s.redis_port, log)
        rows = shielding.run_series('idle', None, self.s.redis_port, [0], duration, log)
        for t in ('queuemond', 'original'):
            if t in self.ports:
                rows += shielding.run_series(t, self.ports[t], self.s.redis_port, counts,
                                             duration, log)
        self.res['shielding'] = rows
        self.memory('after the shielding pollers')

    def taskids(self):
        if 'queuemond' not in self.ports:
            return
        want = self.a.task_ids
        done, runs = 0, []
        deadline = time.monotonic() + (60 if self.a.quick else 300)
        while done < want and time.monotonic() < deadline:
            r = loadgen.run_wrk(self.ports['queuemond'], WORKERS_PATH, 32,
                                2 if self.a.quick else 10, self.procs['queuemond'].pid,
                                wrk_cpu=self.wrk_cpu, script=loadgen.TASK_IDS_LUA,
                                script_args=[done + 10_000_000 * len(runs)])
            done += r['requests']
            runs.append(r)
            log(f'task ids: {r["requests"]} lookups at {r["rps"]:.0f}/s, errors {r["errors"]}')
        _, _, body = stack.http_request(self.ports['queuemond'], stack.API + '/cache/stats')
        task_cache = json.loads(body)['caches'].get('task_status', {})
        self.res['taskids'] = {'lookups': done, 'errors': sum(r['errors'] for r in runs),
                               'rps': statistics.median(r['rps'] for r in runs),
                               'p99_us': max(r['p99_us'] for r in runs),
                               'task_status_size': task_cache.get('size'),
                               'task_status_max': task_cache.get('max_size'),
                               'evictions': task_cache.get('evictions')}
        self.memory(f'after {done} distinct task ids')

    def collection(self):
        rows = []
        big = self.a.big_workers
        for workers in (2, big) if big > 2 else (2,):
            if workers == big:
                log(f'starting {big - 2} more workers (-c 1)')
                self.s.start_workers(big - 2, concurrency=1, first=3, events_on_first=False)
                if 'queuemond' in self.ports:
                    stack.wait_until(f'queuemond sees {big} workers', 60,
                                     lambda: self.workers_online('queuemond') >= big, 0.5)
            for t, n in (('queuemond', 5 if self.a.quick else 30), ('original', 2 if self.a.quick else 5)):
                if t in self.ports:
                    r = loadgen.sequential(self.ports[t], WORKERS_PATH + '?use_cache=false', n)
                    r.update(target=t, workers=workers,
                             workers_in_body=self.workers_online(t))
                    rows.append(r)
                    log(f'collection {t} with {workers} workers: {r}')
        self.res['collection'] = rows

    def recover(self, target):
        """Seconds until `target` answers a status request again (the original keeps working
        through requests queued by connections wrk has already closed)."""
        start = time.monotonic()
        stack.wait_until(f'{target} to recover', 300,
                         lambda: stack.http_request(self.ports[target], WORKERS_PATH,
                                                    timeout=5)[0] == 200, 0.5)
        return time.monotonic() - start

    def workers_online(self, target):
        _, _, body = stack.http_request(self.ports[target], WORKERS_PATH)
        doc = json.loads(body)
        workers = doc.get('workers', doc) if isinstance(doc, dict) else doc
        if isinstance(workers, dict):
            workers = list(workers.values())
        return sum(1 for w in workers if isinstance(w, dict) and w.get('status', 'online') == 'online')


def main(argv):
    a = parse_args(argv)
    # SIGTERM (e.g. from a supervising script) unwinds through the Stack, which stops everything.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    out = a.output or os.path.join(stack.ROOT, 'bench', 'results',
                                   f'http-{datetime.date.today():%Y-%m-%d}.md')
    with tempfile.TemporaryDirectory(prefix='qm-bench.') as state, stack.Stack(state, log) as s:
        b = Bench(a, s)
        try:
            b.start()
            for section in a.sections:
                log(f'--- {section}')
                getattr(b, section)()
        except Exception:
            log(f'failed; process logs follow from {state}')
            for name in sorted(os.listdir(state)):
                if name.endswith('.log'):
                    print(f'--- {name}:\n' + open(os.path.join(state, name), errors='replace')
                          .read()[-3000:])
            raise
    os.makedirs(os.path.dirname(out), exist_ok=True)
    text = report.render(b.res)
    with open(out, 'w') as f:
        f.write(text)
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(b.res, f, indent=1)
    print(text)
    log(f'wrote {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
