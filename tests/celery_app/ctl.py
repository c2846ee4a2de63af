"""Test helper around tasks.py (the system interpreter: /usr/bin/python3 ctl.py ...).

  ctl.py wait-ready NODE... [--timeout S]     exit 0 once every NODE answers a ping
  ctl.py send TASK [--args JSON] [--queue Q] [--priority P] [--countdown S] [--count N]
                                             prints one task id per line
  ctl.py send ... [--task-id ID]             (one task with that id)
  ctl.py revoke ID                           revokes ID on every worker, waiting for their replies
  ctl.py result ID [--timeout S]             waits for the result, prints its state
  ctl.py depth QUEUE...                      {"QUEUE": {"0": n, "3": n, ...}} via plain redis-py
  ctl.py hlen KEY                            HLEN via plain redis-py
  ctl.py scard KEY                           SCARD via plain redis-py
  ctl.py unacked                             {"TASK_ID": "ROUTING_KEY", ...}: every message in
                                             kombu's `unacked` hash, via plain redis-py
  ctl.py fake-node NAME [--silent]           a bad pidbox node: answers every request with one
                                             undecodable reply and one reply of the wrong shape
                                             (--silent: never answers, so every inspect round
                                             waits for its timeout). Once subscribed it sets the
                                             key fake-node-ready:NAME to 1.
  ctl.py get KEY                             GET via plain redis-py (prints "" when missing)
  ctl.py inspect-raw --limit N M [M ...]     celery's own inspect of each method M, stopping at N
                                             replies (or 2 s of silence): {M: {node: result}}
Ground truth for the tests comes from redis-py and the celery CLI, never from queuemon code.
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


def send(name, args, queue, priority, countdown, count, task_id=None):
    task = app.signature(f'tasks.{name}', args=args)
    options = {'task_id': task_id} if task_id else {}
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


def redis_client():
    import redis
    return redis.Redis.from_url(app.conf.broker_url)


def depth(queues):
    r = redis_client()
    out = {}
    for q in queues:
        out[q] = {str(p): r.llen(q if p == 0 else f'{q}\x06\x16{p}') for p in (0, 3, 6, 9)}
    print(json.dumps(out))
    return 0


def unacked():
    # Field = delivery tag; value = [message, exchange, routing_key]; the task id is the
    # message's headers.id (task protocol 2).
    out = {}
    for raw in redis_client().hvals('unacked'):
        message, _exchange, routing_key = json.loads(raw)
        out[message['headers']['id']] = routing_key
    print(json.dumps(out))
    return 0


def fake_node(name, silent):
    import base64
    import urllib.parse
    r = redis_client()
    db = int(urllib.parse.urlparse(app.conf.broker_url).path.lstrip('/') or 0)
    p = r.pubsub()
    p.psubscribe(f'/{db}.celery.pidbox')
    for msg in p.listen():
        if msg['type'] == 'psubscribe':  # confirmed: PUBLISH now counts this node
            r.set(f'fake-node-ready:{name}', 1)
            continue
        if msg['type'] != 'pmessage' or silent:
            continue
        env = json.loads(msg['data'])
        body = json.loads(base64.b64decode(env['body']))
        reply_to = body.get('reply_to')
        if not reply_to:
            continue
        bad_shape = json.dumps({name: {'a': 1}, 'extra@node': []}).encode()
        good_ticket = json.dumps({'body': base64.b64encode(bad_shape).decode(),
                                  'headers': {'ticket': body['ticket']},
                                  'properties': {'body_encoding': 'base64'}})
        for member in r.smembers('_kombu.binding.' + reply_to['exchange']):
            rk, _, queue = member.decode().split('\x06\x16')
            if rk == reply_to['routing_key']:
                r.lpush(queue, 'this is not json {')
                r.lpush(queue, good_ticket)


def inspect_raw(methods, limit):
    inspect = app.control.inspect(timeout=2.0, limit=limit)
    print(json.dumps({m: getattr(inspect, m)() or {} for m in methods}))
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
    s.add_argument('--task-id')
    v = sub.add_parser('revoke')
    v.add_argument('id')
    r = sub.add_parser('result')
    r.add_argument('id')
    r.add_argument('--timeout', type=float, default=20)
    d = sub.add_parser('depth')
    d.add_argument('queues', nargs='+')
    h = sub.add_parser('hlen')
    h.add_argument('key')
    f = sub.add_parser('fake-node')
    f.add_argument('name')
    f.add_argument('--silent', action='store_true')
    g = sub.add_parser('get')
    g.add_argument('key')
    c = sub.add_parser('scard')
    c.add_argument('key')
    sub.add_parser('unacked')
    i = sub.add_parser('inspect-raw')
    i.add_argument('methods', nargs='+')
    i.add_argument('--limit', type=int, required=True)
    a = ap.parse_args()
    if a.cmd == 'fake-node':
        return fake_node(a.name, a.silent)
    if a.cmd == 'get':
        print((redis_client().get(a.key) or b'').decode())
        return 0
    if a.cmd == 'unacked':
        return unacked()
    if a.cmd == 'inspect-raw':
        return inspect_raw(a.methods, a.limit)
    if a.cmd == 'scard':
        print(redis_client().scard(a.key))
        return 0
    if a.cmd == 'depth':
        return depth(a.queues)
    if a.cmd == 'hlen':
        print(redis_client().hlen(a.key))
        return 0
    if a.cmd == 'wait-ready':
        return wait_ready(a.nodes, a.timeout)
    if a.cmd == 'send':
        return send(a.task, json.loads(a.args), a.queue, a.priority, a.countdown, a.count,
                    a.task_id)
    if a.cmd == 'revoke':
        replies = app.control.revoke(a.id, reply=True, timeout=2)
        print(json.dumps(replies))
        return 0 if replies else 1
    res = app.AsyncResult(a.id)
    try:
        res.get(timeout=a.timeout, propagate=False)
    finally:
        print(res.state)
    return 0


if __name__ == '__main__':
    sys.exit(main())
