#!/usr/bin/python3
"""queuemond's resident memory while N pollers poll it for M minutes (issue 6, item 4).

Starts the benchmark stack (redis-server, two Celery workers, queuemond; loopback, free ports),
then runs the broker-shielding pollers (shielding.measure: N pollers each polling workers, queues
and summary every second) one minute at a time and records queuemond's VmRSS after each minute,
with the minute's responses, errors and broadcasts. Prints a Markdown table (and writes it to
--output). RSS is a count of pages, not a timing: the figure does not depend on other load.

  /usr/bin/python3 bench/http/poller_memory.py --queuemond build/rel/daemon/queuemond \\
      --pollers 1000 --minutes 10 --output bench/results/memory-pollers.md
"""
import argparse
import datetime
import tempfile

import shielding
import stack


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--queuemond', required=True, help='queuemond binary')
    ap.add_argument('--pollers', type=int, default=1000)
    ap.add_argument('--minutes', type=int, default=10)
    ap.add_argument('--output', help='also write the Markdown table here')
    a = ap.parse_args()
    lines = [f'# queuemond RSS under {a.pollers} pollers for {a.minutes} min '
             f'({datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC)', '',
             '| minute | VmRSS MiB | responses/s | errors | pidbox broadcasts/s |',
             '|---|---|---|---|---|']
    with tempfile.TemporaryDirectory(prefix='qm-mem.') as state, stack.Stack(state) as s:
        s.start_redis()
        s.start_workers(2)
        s.seed_tasks()
        port, proc = s.start_queuemond(a.queuemond, 1)
        shielding.wait_quiet(s.redis_port)
        lines.append(f'| 0 (idle) | {stack.rss_kib(proc.pid) / 1024:.1f} | — | — | — |')
        print(lines[-1], flush=True)
        for minute in range(1, a.minutes + 1):
            row = shielding.measure(port, s.redis_port, a.pollers, 60)
            s.check_alive()
            lines.append(f'| {minute} | {stack.rss_kib(proc.pid) / 1024:.1f} | '
                         f'{row["responses_per_s"]:.0f} | {row["errors"]} | '
                         f'{row["pidbox_broadcasts_per_s"]:.2f} |')
            print(lines[-1], flush=True)
    text = '\n'.join(lines) + '\n'
    print(text)
    if a.output:
        with open(a.output, 'w') as f:
            f.write(text)


if __name__ == '__main__':
    main()
