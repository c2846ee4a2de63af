#!/usr/bin/python3
"""Subscribes to `/<db>.celeryev/*`, decodes every message and counts the events received.

The check on event_gen.py: its "events" must equal this "events" (Redis pub/sub drops nothing
for a subscriber that keeps up, and drops the whole client if it does not, which shows as a
connection error here). With --reference (the captured real-worker messages), every envelope
and event body is also compared key-by-key, in order, with the captured shape of its type, and
both must be byte-identical to their json.dumps re-encoding (as kombu's and the capture's are).

Prints "subscribed" on stderr once the subscription is live, then one JSON line on stdout after
--idle seconds without a message (or --max-seconds).
"""
import argparse
import base64
import json
import sys
import time

import redis

from event_gen import channel_prefix

TASK_TYPES = ('task-sent', 'task-received', 'task-started', 'task-succeeded', 'task-failed')


def envelope_shape(env):
    props = env['properties']
    return (tuple(env), tuple(env['headers']), tuple(props), tuple(props['delivery_info']))


def load_reference(path):
    """Maps event type -> body key order, plus the one envelope shape, from a capture file."""
    bodies, envelopes = {}, set()
    with open(path) as f:
        for line in f:
            env = json.loads(json.loads(line)['data'])
            envelopes.add(envelope_shape(env))
            for event in as_list(json.loads(base64.b64decode(env['body']))):
                bodies[event['type']] = tuple(event)
    return bodies, envelopes


def as_list(body):
    return body if isinstance(body, list) else [body]


class Tally:
    """Counts and shape checks over decoded messages."""

    def __init__(self, reference):
        self.bodies, self.envelopes = reference if reference else ({}, set())
        self.messages = self.events = 0
        self.by_type, self.by_channel = {}, {}
        self.list_sizes = {}  # events per task.multi message -> messages
        self.sent, self.finished = set(), set()
        self.errors = []
        self.error_count = 0

    def add(self, channel, data):
        self.messages += 1
        routing_key = channel.rsplit('/', 1)[-1]  # '/0.celeryev/task.multi' -> 'task.multi'
        self.by_channel[routing_key] = self.by_channel.get(routing_key, 0) + 1
        env = json.loads(data)
        body = base64.b64decode(env['body'])
        self._check_envelope(env, routing_key)
        if self.envelopes:
            self._check_bytes(env, data, body)
        events = json.loads(body)
        if isinstance(events, list):
            self.list_sizes[len(events)] = self.list_sizes.get(len(events), 0) + 1
        for event in as_list(events):
            kind = event['type']
            self.by_type[kind] = self.by_type.get(kind, 0) + 1
            self.events += kind in TASK_TYPES
            if kind == 'task-sent':
                self.sent.add(event['uuid'])
            elif kind in ('task-succeeded', 'task-failed'):
                self.finished.add(event['uuid'])
            self._check_body(event, env)

    def _check_envelope(self, env, routing_key):
        if self.envelopes and envelope_shape(env) not in self.envelopes:
            self._error(f'envelope keys {envelope_shape(env)}')
        if env['properties']['delivery_info']['routing_key'] != routing_key:
            self._error(f'routing_key {env["properties"]["delivery_info"]} on {routing_key}')

    def _check_bytes(self, env, data, body):
        # kombu writes json.dumps defaults (", ", ": ", float repr); so did the capture.
        if json.dumps(env).encode() != data or json.dumps(json.loads(body)).encode() != body:
            self._error(f'not byte-identical to json.dumps: {data[:120]!r}')

    def _check_body(self, event, env):
        want = self.bodies.get(event['type'])
        if want is not None and tuple(event) != want:
            self._error(f'{event["type"]} keys {tuple(event)} != captured {want}')
        if event['hostname'] != env['headers']['hostname']:
            self._error(f'hostname {event["hostname"]} under header {env["headers"]}')

    def _error(self, text):
        if len(self.errors) < 10:
            self.errors.append(text)
        self.error_count += 1

    def report(self):
        return {'messages': self.messages, 'events': self.events, 'by_type': self.by_type,
                'by_channel': self.by_channel, 'list_sizes': self.list_sizes, 'tasks_sent': len(self.sent),
                'tasks_finished': len(self.finished),
                'tasks_sent_and_finished': len(self.sent & self.finished),
                'shape_errors': self.error_count, 'first_errors': self.errors}


def listen(url, idle_s, max_s):
    """Returns the raw (channel, data) pairs received until idle. Decoding waits until the
    end: a subscriber that decodes as it reads falls behind a fast publisher, and Redis then
    drops it (client-output-buffer-limit pubsub 32mb 8mb 60)."""
    pubsub = redis.Redis.from_url(url).pubsub()
    pubsub.psubscribe(channel_prefix(url) + '*')
    while pubsub.get_message(timeout=5) is None:  # the psubscribe confirmation
        pass
    print('subscribed', file=sys.stderr, flush=True)
    received = []
    deadline = time.monotonic() + max_s
    last = None  # the idle clock starts at the first message, so starting early is harmless
    while time.monotonic() < deadline and (last is None or time.monotonic() - last < idle_s):
        reply = pubsub.parse_response(block=False, timeout=0.2)
        if reply is not None and reply[0] == b'pmessage':
            received.append((reply[2], reply[3]))
            last = time.monotonic()
    pubsub.close()
    return received


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--url', default='redis://127.0.0.1:6379/0')
    p.add_argument('--idle', type=float, default=3.0, help='stop after this long with no message')
    p.add_argument('--max-seconds', type=float, default=600.0)
    p.add_argument('--reference', help='captured messages file, to check shapes against')
    args = p.parse_args(argv)
    tally = Tally(load_reference(args.reference) if args.reference else None)
    for channel, data in listen(args.url, args.idle, args.max_seconds):
        tally.add(channel.decode(), data)
    print(json.dumps(tally.report()), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
