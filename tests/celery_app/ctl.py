"""Test helper around tasks.py (the system interpreter: /usr/bin/python3 ctl.py ...).

  ctl.py wait-ready NODE... [--timeout S]     exit 0 once every NODE answers a ping
  ctl.py send TASK [--args JSON] [--queue Q] [--priority P] [--countdown S] [--count N]
                                             prints one task id per line
  ctl.py result ID [--timeout S]             waits for the result, prints its state
"""
import argparse
import json
import sys
import time

from tasks import app


def wait_ready(nodes, timeout):
    deadline = time.monotonic() + timeout
    missing = set(nodes)
    while missing and time.monotonic() < deadline:
        try:
            replies = app.control.ping(destination=sorted(missing), timeout=0.5)
        except Exception as exc:  # broker not up yet
            print(f'ping failed: {exc!r}', file=sys.stderr)
            time.sleep(0.2)
            continue
        for reply in replies:
            missing -= set(reply)
    if missing:
        print(f'not ready: {sorted(missing)}', file=sys.stderr)
        return 1
    return 0


def send(name, args, queue, priority, countdown, count):
    task = app.signature(f'tasks.{name}', args=args)
    options = {}
    if queue:
        options['queue'] = queue
    if priority is not None:
        options['priority'] = priority
    if countdown is not None:
        options['countdown'] = countdown
    with app.producer_or_acquire() as producer:
        for _ in range(count):
            print(task.apply_async(producer=producer, **options).id)
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    w = sub.add_parser('wait-ready')
    w.add_argument('nodes', nargs='+')
    w.add_argument('--timeout', type=float, default=30)
    s = sub.add_parser('send')
    s.add_argument('task')
    s.add_argument('--args', default='[]')
    s.add_argument('--queue')
    s.add_argument('--priority', type=int)
    s.add_argument('--countdown', type=float)
    s.add_argument('--count', type=int, default=1)
    r = sub.add_parser('result')
    r.add_argument('id')
    r.add_argument('--timeout', type=float, default=20)
    a = ap.parse_args()
    if a.cmd == 'wait-ready':
        return wait_ready(a.nodes, a.timeout)
    if a.cmd == 'send':
        return send(a.task, json.loads(a.args), a.queue, a.priority, a.countdown, a.count)
    res = app.AsyncResult(a.id)
    try:
        res.get(timeout=a.timeout, propagate=False)
    finally:
        print(res.state)
    return 0


if __name__ == '__main__':
    sys.exit(main())
