#!/usr/bin/python3
"""Sends a slow, endless trickle of demo tasks (several queues, priorities, an occasional
failure and countdown) so that a local queuemond has something to show. Stops on SIGTERM/SIGINT.

usage: /usr/bin/python3 scripts/trickle.py [--interval SECONDS]   (needs tests/celery_app on PYTHONPATH)
"""
import argparse
import random
import signal
import sys
import time

from tasks import add, fail, sleepy

running = True


def stop(_signum, _frame):
    global running
    running = False


def send_one(rng):
    choice = rng.random()
    if choice < 0.5:
        add.apply_async((rng.randint(1, 9), rng.randint(1, 9)), priority=rng.choice([0, 3, 6, 9]))
    elif choice < 0.8:
        sleepy.apply_async((rng.choice([1, 2, 3]),), queue=rng.choice(['celery', 'reports']))
    elif choice < 0.9:
        sleepy.apply_async((1,), countdown=rng.randint(5, 30))
    else:
        fail.apply_async()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--interval', type=float, default=0.5)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    rng = random.Random()
    while running:
        try:
            send_one(rng)
        except Exception as exc:  # the broker may be restarting; keep trickling
            print(f'trickle: send failed: {exc!r}', file=sys.stderr)
        time.sleep(args.interval)  # pacing, not synchronisation
    return 0


if __name__ == '__main__':
    sys.exit(main())
