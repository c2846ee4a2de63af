#!/usr/bin/python3
"""Publishes a burst of worker-online / worker-offline events for fake hosts into Redis.

Run with /usr/bin/python3 (Debian's, which has python3-redis). Event i goes to host
`<prefix><i % hosts>@churn`: worker-online in even rounds over the hosts, worker-offline in odd
ones, so with an even number of rounds every host ends offline (nothing is left to expire).
Each event is one kombu envelope PUBLISHed on `/<db>.celeryev/worker.online|offline`, paced
evenly over --seconds. For the daemon's event-driven cache control: a storm of worker changes
must cost a bounded number of refreshes.

Prints one JSON line: events, seconds (wall time of the burst), by_type, hosts.

usage: worker_churn.py --url redis://127.0.0.1:PORT/0 --events 10000 --seconds 1 --hosts 100
"""
import argparse
import json
import os
import sys
import time

import redis

import celery_wire
from event_gen import channel_prefix, PipelineSink


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--url', default='redis://127.0.0.1:6379/0')
    p.add_argument('--events', type=int, default=10000)
    p.add_argument('--seconds', type=float, default=1.0)
    p.add_argument('--hosts', type=int, default=100)
    p.add_argument('--prefix', default='churn')
    args = p.parse_args(argv)
    if args.events < 1 or args.hosts < 1 or args.seconds <= 0:
        p.error('--events, --hosts and --seconds must be positive')
    if (args.events // args.hosts) % 2 or args.events % args.hosts:
        p.error('--events must be an even number of rounds over --hosts (every host ends offline)')
    return args


def main(argv):
    args = parse_args(argv)
    client = redis.Redis.from_url(args.url)
    sink = PipelineSink(client, 64)
    prefix = channel_prefix(args.url)
    envelopes = celery_wire.Envelopes()
    tags = celery_wire.uuid4_strings()
    by_type = {}
    start = time.monotonic()
    for i in range(args.events):
        host = f'{args.prefix}{i % args.hosts}@churn'
        kind = 'worker-online' if (i // args.hosts) % 2 == 0 else 'worker-offline'
        body = celery_wire.WORKER_STATE % (host, os.getpid(), i, time.time(), kind)
        sink.publish(prefix + kind.replace('-', '.'),
                     envelopes.wrap(host, kind.replace('-', '.'), body, next(tags)))
        by_type[kind] = by_type.get(kind, 0) + 1
        due = start + args.seconds * (i + 1) / args.events
        if i % 64 == 63:
            sink.flush()
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
    sink.flush()
    print(json.dumps({'events': args.events, 'seconds': time.monotonic() - start,
                      'by_type': by_type, 'hosts': args.hosts}))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
