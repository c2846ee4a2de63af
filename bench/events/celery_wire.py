"""The Celery 5.2 event wire format on Redis, as byte templates.

Shapes copied from a real 5.2.6 worker (reference capture `celery-events-captured.txt`): every
PUBLISH payload is a kombu envelope whose `body` is base64 of the event JSON. A client's
`task-sent` is one dict; a prefork worker's task events go out as a JSON list on `task.multi`.
Key order and separators match `json.dumps` defaults (", " and ": "), as kombu writes them, so
a byte-level parser in the daemon sees exactly what a real worker would send.

Templates are filled with `%` on str (one call per event); nothing here builds dicts or calls
`json.dumps` per event, which is what lets one process publish tens of thousands of events/s.
"""
import base64
import json
import os

ENVELOPE_HEAD = b'{"body": "'
# Between the base64 body and the delivery tag; filled once per (hostname, routing key).
ENVELOPE_MID = ('", "content-encoding": "utf-8", "content-type": "application/json", '
                '"headers": {"hostname": "%s"}, "properties": {"delivery_mode": 1, '
                '"delivery_info": {"exchange": "celeryev", "routing_key": "%s"}, "priority": 0, '
                '"body_encoding": "base64", "delivery_tag": "')
ENVELOPE_TAIL = b'"}}'

# Event bodies. The common head is hostname, utcoffset, pid, clock (Celery's Lamport clock).
HEAD = '{"hostname": "%s", "utcoffset": 0, "pid": %d, "clock": %d, '
TASK_SENT = (HEAD + '"uuid": "%s", "root_id": "%s", "parent_id": null, "name": "%s", '
             '"args": "%s", "kwargs": "{}", "retries": 0, "eta": null, "expires": null, '
             '"queue": "%s", "exchange": "", "routing_key": "%s", "timestamp": %r, '
             '"type": "task-sent"}')
TASK_RECEIVED = (HEAD + '"uuid": "%s", "name": "%s", "args": "%s", "kwargs": "{}", '
                 '"root_id": "%s", "parent_id": null, "retries": 0, "eta": null, '
                 '"expires": null, "timestamp": %r, "type": "task-received"}')
TASK_STARTED = HEAD + '"uuid": "%s", "timestamp": %r, "type": "task-started"}'
TASK_SUCCEEDED = (HEAD + '"uuid": "%s", "result": "%s", "runtime": %r, "timestamp": %r, '
                  '"type": "task-succeeded"}')
# The middle is a pre-encoded '"exception": ..., "traceback": ...' fragment (see FailureFragment).
TASK_FAILED = HEAD + '"uuid": "%s", %s, "timestamp": %r, "type": "task-failed"}'
WORKER_HEARTBEAT = (HEAD + '"freq": 2.0, "active": %d, "processed": %d, "loadavg": %s, '
                    '"sw_ident": "py-celery", "sw_ver": "5.2.6", "sw_sys": "Linux", '
                    '"timestamp": %r, "type": "worker-heartbeat"}')

# worker-online and worker-offline carry the heartbeat's fields (celery/worker/heartbeat.py).
WORKER_STATE = (HEAD + '"freq": 2.0, "active": 0, "processed": 0, "loadavg": [0.0, 0.0, 0.0], '
                '"sw_ident": "py-celery", "sw_ver": "5.2.6", "sw_sys": "Linux", '
                '"timestamp": %r, "type": "%s"}')

# Python 3.11 traceback as Celery's trace.py formats it (carets included, as captured).
TRACEBACK = ('Traceback (most recent call last):\n'
             '  File "/usr/lib/python3/dist-packages/celery/app/trace.py", line 451, in trace_task\n'
             '    R = retval = fun(*args, **kwargs)\n'
             '                 ^^^^^^^^^^^^^^^^^^^^\n'
             '  File "/usr/lib/python3/dist-packages/celery/app/trace.py", line 734, in '
             '__protected_call__\n'
             '    return self.run(*args, **kwargs)\n'
             '           ^^^^^^^^^^^^^^^^^^^^^^^^^\n'
             '  File "/srv/benchapp/tasks.py", line %d, in %s\n'
             '    raise %s(msg)\n'
             '%s: %s\n')

# The two failure kinds: (exception class, message). KeyError's str() quotes its argument.
FAILURES = (('ValueError', 'bad input'), ('KeyError', 'missing key'))


def failure_fragment(task_name, kind):
    """The JSON text '"exception": ..., "traceback": ...' for one task and failure kind.

    Built once per (task, kind) with json.dumps, because a traceback needs real escaping."""
    cls, msg = FAILURES[kind]
    func = task_name.rsplit('.', 1)[-1]
    shown = repr(msg) if cls == 'KeyError' else msg
    tb = TRACEBACK % (10 + 4 * kind, func, cls, cls, shown)
    return '"exception": %s, "traceback": %s' % (json.dumps('%s(%r)' % (cls, msg)), json.dumps(tb))


class Envelopes:
    """Wraps event JSON in kombu envelopes; one prebuilt middle part per (host, routing key)."""

    def __init__(self):
        self._mid = {}

    def wrap(self, hostname, routing_key, body, delivery_tag):
        """REQUIRES: body is the event JSON as str; delivery_tag a uuid str. Returns bytes."""
        mid = self._mid.get((hostname, routing_key))
        if mid is None:
            mid = (ENVELOPE_MID % (hostname, routing_key)).encode()
            self._mid[(hostname, routing_key)] = mid
        return b''.join((ENVELOPE_HEAD, base64.b64encode(body.encode()), mid,
                         delivery_tag.encode(), ENVELOPE_TAIL))


def uuid4_strings(batch=4096):
    """Endless random version-4 uuid strings, made from one urandom call per `batch`.

    uuid.uuid4() costs about 2 us each; slicing one big hex string costs a few hundred ns."""
    while True:
        h = os.urandom(16 * batch).hex()
        for i in range(0, 32 * batch, 32):
            yield (f'{h[i:i + 8]}-{h[i + 8:i + 12]}-4{h[i + 13:i + 16]}-'
                   f'{"89ab"[int(h[i + 16], 16) & 3]}{h[i + 17:i + 20]}-{h[i + 20:i + 32]}')
