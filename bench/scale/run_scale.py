#!/usr/bin/python3
"""How queuemond's cost grows with the Celery cluster it watches (issue 16, item 2).

For each size N workers x Q queues, on fresh processes (redis-server --maxclients 20000,
bench/cluster_sim's cluster_sim, queuemond with every cache ttl = refresh_after = --ttl and
inspect_timeout_ms = --inspect-timeout-ms), once /readyz answers and the workers view lists all N
workers online:

  idle         --idle-seconds without requests: queuemond's CPU (the event stream), events/s
  collections  K sequential ?use_cache=false requests per view (workers, queues, tasks), each a
               fresh collection: wall time (client side), queuemond CPU / K, INFO commandstats
               growth / K, queuemond's round trips and bytes to Redis / K (ss -ti)
  accounting   --monitor-repeats more bypasses per view under MONITOR, each command attributed
               to the process that owns the sending socket: queuemond vs the simulated workers
  bodies       bytes of each cached view and of /metrics, identity and gzip
  serving      RSS, wrk on the workers view (HIT path), K GET /metrics with the views cached
  profile      (--profile) perf record on queuemond over K bypasses of --profile-view

Prints Markdown tables (one per metric, sizes as rows) and writes every figure to --out (JSON).
See README.md in this folder for each column's definition.

  /usr/bin/python3 bench/scale/run_scale.py --quick --out /tmp/scale-quick.json
  /usr/bin/python3 bench/scale/run_scale.py --sizes 10x10,1000x10 --repeats 7 --profile 1000x10
  /usr/bin/python3 bench/scale/run_scale.py --profile   # the full grid, profile at the largest
"""
import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, '..', 'http')]

import stack  # noqa: E402  (bench/http)
import scale_cluster  # noqa: E402
import scale_measure as measure  # noqa: E402
import scale_report  # noqa: E402

DEFAULT_SIZES = '10x10,100x10,1000x10,10x1000,10x10000,1000x10000'
QUICK_SIZES = '10x10,100x100'
BUILD = os.path.join(stack.ROOT, 'build', 'release')


def parse_sizes(text):
    sizes = []
    for item in filter(None, text.split(',')):
        n, _, q = item.lower().partition('x')
        if not (n.isdigit() and q.isdigit() and int(n) > 0):
            raise argparse.ArgumentTypeError(f'size {item!r}: want NxQ, e.g. 1000x10')
        if (int(n), int(q)) not in sizes:
            sizes.append((int(n), int(q)))
    return sizes


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split('\n', 2)[2])
    ap.add_argument('--sizes', type=parse_sizes, help=f'NxQ list (default {DEFAULT_SIZES}; '
                    f'--quick {QUICK_SIZES})')
    ap.add_argument('--quick', action='store_true', help='tiny grid, K=3: validates the script')
    ap.add_argument('--repeats', '-k', type=int, help='K bypasses per view (7; quick 3)')
    ap.add_argument('--monitor-repeats', type=int, help='bypasses per view under MONITOR (3; '
                    'quick 2)')
    ap.add_argument('--idle-seconds', type=float, help='idle window (5; quick 3)')
    ap.add_argument('--wrk-duration', type=float, default=2.0)
    ap.add_argument('--wrk-connections', type=int, default=16)
    ap.add_argument('--ttl', type=float, default=600.0, help='every cache ttl = refresh_after')
    ap.add_argument('--inspect-timeout-ms', type=int, default=10000)
    ap.add_argument('--threads', type=int, default=0, help='queuemond threads (0 = its default)')
    ap.add_argument('--queuemond', default=os.path.join(BUILD, 'daemon', 'queuemond'))
    ap.add_argument('--cluster-sim', default=os.path.join(BUILD, 'bench', 'cluster_sim',
                                                          'cluster_sim'))
    ap.add_argument('--profile', nargs='?', const='largest', metavar='NxQ',
                    help='perf profile at this size (default: the largest, N*Q then N)')
    ap.add_argument('--profile-view', choices=scale_cluster.VIEWS, default='workers',
                    help='the view whose bypasses are profiled (default workers)')
    ap.add_argument('--perf-call-graph', choices=('fp', 'dwarf'), default='fp',
                    help='fp = perf record -g (frame pointers: a Release build without them '
                         'gives short stacks); dwarf = --call-graph dwarf (bigger, slower)')
    ap.add_argument('--out', help='JSON file (default bench/results/scale-DATE.json)')
    ap.add_argument('--markdown', help='also write the tables here')
    ap.add_argument('--keep-state', action='store_true', help='keep logs even on success')
    a = ap.parse_args(argv)
    a.sizes = a.sizes or parse_sizes(QUICK_SIZES if a.quick else DEFAULT_SIZES)
    a.repeats = a.repeats or (3 if a.quick else 7)
    a.monitor_repeats = a.monitor_repeats or (2 if a.quick else 3)
    a.idle_seconds = a.idle_seconds or (3 if a.quick else 5)
    if a.profile == 'largest':
        a.profile = max(a.sizes, key=lambda s: (s[0] * max(s[1], 1), s[0]))
    elif a.profile:
        a.profile = parse_sizes(a.profile)[0]
        if a.profile not in a.sizes:
            ap.error(f'--profile {a.profile[0]}x{a.profile[1]} is not in --sizes')
    a.out = a.out or os.path.join(stack.ROOT, 'bench', 'results',
                                  f'scale-{datetime.date.today():%Y-%m-%d}.json')
    for path in (a.queuemond, a.cluster_sim):
        if not os.access(path, os.X_OK):
            ap.error(f'{path}: not an executable (build the release tree first)')
    return a


def log(msg):
    print(f'[{datetime.datetime.now():%H:%M:%S}] {msg}', file=sys.stderr, flush=True)


def measure_size(a, n, q, state):
    """Every figure of one size; the processes are gone when it returns."""
    with stack.Stack(state, log=log) as s:
        c = scale_cluster.Cluster(s, a, n, q)
        c.start()
        log(f'{n}x{q}: ready ({c.timing})')
        r = {'workers': n, 'queues': q, 'setup': dict(c.timing)}
        r['idle'] = measure.idle(c, a.idle_seconds)
        r['collections'] = {v: measure.bypasses(c, v, a.repeats, r['idle']['cpu_ms_per_s'])
                            for v in scale_cluster.VIEWS}
        r['rss_kib_after_collections'] = stack.rss_kib(c.pid)
        log(f'{n}x{q}: collections done; MONITOR pass')
        r['accounting'] = measure.monitor_pass(c, a.monitor_repeats)
        r['listed'] = measure.listed(c)
        r['bodies'] = measure.bodies(c)
        r['metrics'] = measure.metrics_time(c, a.repeats)
        r['hit'] = measure.hit_wrk(c, a.wrk_connections, a.wrk_duration)
        if a.profile == (n, q):
            log(f'{n}x{q}: perf profile')
            r['profile'] = measure.profile(c, a.repeats, a.profile_view, a.perf_call_graph)
        r['rss_kib_end'] = stack.rss_kib(c.pid)
        s.check_alive()
        s.close()  # cluster_sim prints its counts when stopped
        r['sim_counts'] = c.sim_counts()
    return r


def meta(a):
    def out(*cmd):
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
    return {'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
            'git': out('git', '-C', stack.ROOT, 'rev-parse', '--short', 'HEAD'),
            'cpus': os.cpu_count(), 'loadavg_start': open('/proc/loadavg').read().split()[:3],
            'redis': out('redis-server', '--version'), 'argv': ' '.join(sys.argv[1:]),
            'repeats': a.repeats, 'monitor_repeats': a.monitor_repeats,
            'idle_seconds': a.idle_seconds, 'ttl': a.ttl, 'inspect_timeout_ms': a.inspect_timeout_ms,
            'threads': a.threads, 'binaries': {p: binary_id(p) for p in (a.queuemond,
                                                                          a.cluster_sim)}}


def binary_id(path):
    """mtime and sha256 prefix: the build tree may be rebuilt between two runs."""
    with open(path, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    mtime = datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)
    return {'sha256': digest, 'mtime': mtime.strftime('%Y-%m-%d %H:%M:%S UTC')}


def main(argv):
    a = parse_args(argv)
    root = tempfile.mkdtemp(prefix='queuemon-scale-')
    res = {'meta': meta(a), 'sizes': []}
    res['meta']['nofile'] = scale_cluster.raise_fd_limit()  # inherited by every child
    for n, q in a.sizes:
        state = os.path.join(root, f'{n}x{q}')
        os.makedirs(state)
        log(f'{n} workers x {q} queues (logs in {state})')
        try:
            res['sizes'].append(measure_size(a, n, q, state))
        except Exception as exc:  # one size failing must not lose the others
            traceback.print_exc()
            res['sizes'].append({'workers': n, 'queues': q, 'error': repr(exc), 'state': state})
    res['meta']['loadavg_end'] = open('/proc/loadavg').read().split()[:3]
    text = scale_report.render(res['sizes'], a.inspect_timeout_ms)
    for r in res['sizes']:
        if 'profile' in r:
            p = r['profile']
            lines = ([l[:200] for l in p.get('flat', []) + [''] + p.get('report', [])]
                     if 'report' in p else [p.get('note', '')])
            text += (f'\n### perf profile at {r["workers"]} × {r["queues"]} '
                     f'({p.get("view")} view, {p.get("repeats")} bypasses)\n\n```\n'
                     + '\n'.join(lines) + '\n```\n')
    print(text)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, 'w') as f:
        json.dump(res, f, indent=1, default=str)
    if a.markdown:
        with open(a.markdown, 'w') as f:
            f.write(text)
    failed = any('error' in r for r in res['sizes'])
    if failed or a.keep_state:
        log(f'logs kept in {root}')
    else:
        shutil.rmtree(root, ignore_errors=True)
    log(f'figures written to {a.out}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
