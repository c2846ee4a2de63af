#!/usr/bin/python3
"""Checks that a run_bench.py result has every section with real numbers (used by the smoke
test). Deliberately no timing thresholds: speed is reported, not asserted.
usage: check_figures.py FIGURES.json REPORT.md TARGETS"""
import json
import math
import sys


def number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def main(figures_path, report_path, targets):
    res = json.load(open(figures_path))
    problems = []
    expect = set(targets.split(',')) | {'queuemond-bypass'}
    for t in sorted(expect):
        for c in (32, 256):
            rows = [r for r in res['throughput'] if r['target'] == t and r['connections'] == c]
            if not rows:
                problems.append(f'no throughput row for {t} c={c}')
            for r in rows:
                for k in ('rps', 'p50_us', 'p99_us', 'p999_us', 'cpu_s_per_100k'):
                    if not number(r.get(k)):
                        problems.append(f'{t} c={c}: {k} = {r.get(k)!r}')
                if r['requests'] <= 0:
                    problems.append(f'{t} c={c}: no requests completed')
    for section in ('c1000', 'cold', 'shielding', 'collection'):
        if not res.get(section):
            problems.append(f'section {section} is empty')
    for r in res.get('shielding', []):
        if not number(r.get('broker_cmds_per_s')) or not number(r.get('pidbox_broadcasts_per_s')):
            problems.append(f'shielding row without numbers: {r}')
    for r in res.get('cold', []) + res.get('collection', []):
        if r.get('n', 0) <= 0 or not number(r.get('p50_ms')):
            problems.append(f'latency row without samples: {r}')
    if not res.get('taskids') or res['taskids']['lookups'] <= 0:
        problems.append('no task id lookups')
    if not all(number(m.get('queuemond_rss_kib')) and m['queuemond_rss_kib'] > 0
               for m in res.get('memory', [])) or not res.get('memory'):
        problems.append(f'memory rows without queuemond RSS: {res.get("memory")}')
    if '## Keep-alive throughput' not in open(report_path).read():
        problems.append('the Markdown report has no throughput table')
    for p in problems:
        print('check_figures:', p, file=sys.stderr)
    if not problems:
        print(f'check_figures: OK ({len(res["throughput"])} wrk runs, '
              f'{len(res["shielding"])} shielding steps)')
    return 1 if problems else 0


if __name__ == '__main__':
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
