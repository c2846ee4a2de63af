#!/usr/bin/python3
"""HIT-path cost per request, in load-independent units, queuemond side by side with nginx.

Wall-clock req/s on a shared 2-core machine measures the scheduler; these figures do not:
  - CPU µs per request: utime+stime of the server process (nginx: master + workers) from /proc
    over a wrk run, divided by the requests wrk completed (keep-alive, c = 32 and 256);
  - instructions per request (--callgrind): the server runs under valgrind's callgrind; the
    counters are zeroed once the server is warm (`callgrind_control -z`), wrk runs, and the
    counters are dumped (`callgrind_control -d`): Ir / requests. perf's hardware counters are
    not available in this VM.
Starts its own redis-server, two Celery workers, queuemond and nginx on loopback free ports
(bench/http/stack.py) and stops them at the end.

  /usr/bin/python3 bench/http/hit_cost.py --queuemond build/rel/daemon/queuemond [--callgrind]
"""
import argparse
import glob
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadgen  # noqa: E402
import stack  # noqa: E402

PATH = stack.API + '/workers/status'


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--queuemond', required=True)
    ap.add_argument('--duration', type=float, default=5.0, help='seconds per wrk run')
    ap.add_argument('--rounds', type=int, default=3, help='alternating rounds (median)')
    ap.add_argument('--connections', default='32,256')
    ap.add_argument('--no-nginx', action='store_true')
    ap.add_argument('--callgrind', action='store_true',
                    help='also count instructions per request under callgrind')
    ap.add_argument('--callgrind-duration', type=float, default=10.0)
    ap.add_argument('--keep-callgrind', metavar='DIR',
                    help='copy the callgrind dumps here (for callgrind_annotate)')
    return ap.parse_args(argv)


def cpu_runs(port, pid, conns, args):
    per = {c: [] for c in conns}
    for _ in range(args.rounds):
        for c in conns:
            r = loadgen.run_wrk(port, PATH, c, args.duration, pid)
            if r['errors'] or not r['requests']:
                raise RuntimeError(f'wrk c={c}: {r["errors"]} errors, {r["requests"]} requests')
            per[c].append(r['cpu_s'] / r['requests'] * 1e6)
    return {c: statistics.median(v) for c, v in per.items()}


def callgrind_total(out_file):
    total = 0
    for path in glob.glob(out_file + '*'):
        with open(path) as f:
            for line in f:
                m = re.match(r'(?:summary|totals):\s+(\d+)', line)
                if m:
                    total += int(m.group(1))
                    break
    return total


def callgrind_run(s, name, cmd, port, ready_path, args, conns):
    """Starts `cmd` under callgrind, warms it, zeroes, runs wrk per c, dumps: Ir / request."""
    out = os.path.join(s.state, f'callgrind.{name}')
    proc = s.spawn(name + '-callgrind', ['valgrind', '--tool=callgrind', '--trace-children=yes',
                                         f'--callgrind-out-file={out}.%p'] + cmd)
    stack.wait_until(f'{name} under callgrind', 180,
                     lambda: s._alive(proc) and stack.http_ok(port, ready_path), interval=0.5)
    stack.http_request(port, PATH)
    result = {}
    pids = [str(p) for p in [proc.pid] + stack.children(proc.pid)]  # nginx: master + worker
    for c in conns:
        for pid in pids:
            subprocess.run(['callgrind_control', '-z', pid], capture_output=True, check=True)
        for f in glob.glob(out + '*'):
            os.remove(f)
        r = loadgen.run_wrk(port, PATH, c, args.callgrind_duration, proc.pid, timeout_s=30)
        for pid in pids:
            subprocess.run(['callgrind_control', '-d', pid], capture_output=True, check=True)
        result[c] = (callgrind_total(out) / r['requests'], r['requests'])
        if args.keep_callgrind:
            os.makedirs(args.keep_callgrind, exist_ok=True)
            for f in glob.glob(out + '*'):
                shutil.copy(f, os.path.join(args.keep_callgrind, f'{os.path.basename(f)}.c{c}'))
    s.stop(proc)
    return result


def main(argv):
    args = parse_args(argv)
    conns = [int(c) for c in args.connections.split(',')]
    with tempfile.TemporaryDirectory(prefix='hit-cost-') as state, stack.Stack(state) as s:
        s.start_redis()
        s.start_workers(2)
        s.seed_tasks()
        qport, qproc = s.start_queuemond(os.path.abspath(args.queuemond), 1)
        status, _, body = stack.http_request(qport, PATH)
        if status != 200:
            raise RuntimeError(f'queuemond answered {status}')
        targets = {'queuemond': (qport, qproc.pid)}
        if not args.no_nginx:
            nport, nproc = s.start_nginx(body, PATH, 1)
            targets['nginx'] = (nport, nproc.pid)
        cpu = {name: cpu_runs(port, pid, conns, args) for name, (port, pid) in targets.items()}
        print(f'body {len(body)} bytes; {args.rounds} round(s) of {args.duration:g} s per c')
        for c in conns:
            line = ' '.join(f'{n} {cpu[n][c]:.2f}' for n in cpu)
            ratio = (f'; queuemond/nginx {cpu["queuemond"][c] / cpu["nginx"][c]:.2f}x'
                     if 'nginx' in cpu else '')
            print(f'CPU us/request c={c}: {line}{ratio}')
        if args.callgrind:
            s.stop(qproc)
            if 'nginx' in targets:
                s.stop(nproc)
            config = os.path.join(state, 'queuemond.json')
            port = stack.free_port()
            qcmd = [os.path.abspath(args.queuemond), '--config', config, '--listen',
                    f'127.0.0.1:{port}', '--broker', s.broker]
            ir = {'queuemond': callgrind_run(s, 'queuemond', qcmd, port, '/readyz', args, conns)}
            if 'nginx' in targets:
                nport = stack.free_port()
                prefix = os.path.join(state, 'nginx')
                conf = os.path.join(prefix, 'nginx.conf')
                # One process: callgrind_control cannot reach a worker that switched to nobody.
                with open(conf, 'w') as f:
                    f.write(stack.NGINX_CONF.format(workers=1, prefix=prefix, port=nport,
                                                    www=os.path.join(prefix, 'www'))
                            .replace('master_process on;', 'master_process off;'))
                ncmd = ['nginx', '-p', prefix, '-c', conf, '-e', os.path.join(prefix, 'error.log')]
                ir['nginx'] = callgrind_run(s, 'nginx', ncmd, nport, PATH, args, conns)
            for c in conns:
                line = ' '.join(f'{n} {ir[n][c][0]:,.0f} ({ir[n][c][1]} req)' for n in ir)
                print(f'instructions/request c={c}: {line}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
