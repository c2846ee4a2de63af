"""Simulated Celery client and workers that turn tasks into published event messages.

One TaskStream belongs to one publisher process: it owns a client (`client@bench`, the
`task-sent` side) and a subset of the workers, each with its own Lamport clock and event
buffer. A worker's events leave in `task.multi` lists of 1..batch events, mixing consecutive
tasks the way a busy prefork worker's buffered dispatcher does. Not thread-safe.

Counting contract: an event is counted in `by_type` (and `events`) when the message holding
it is handed to the sink, never before; `finish()` flushes every buffer, so after it every
counted task has all four of its events published and events == 4 * tasks.
"""
import os
import random
import time

import celery_wire as wire

CLIENT = 'client@bench'
QUEUE = 'celery'
ARG_VARIANTS = 16      # distinct (args, result) pairs per task name
RUNTIME_RING = 1024    # precomputed runtimes, cycled


class SimWorker:
    """One worker node: hostname, pid, clock and its not-yet-published events."""

    def __init__(self, index):
        self.hostname = f'w{index}@bench'
        self.pid = 30000 + index  # a fake but stable pid per node, like a prefork parent
        self.clock = 0
        self.processed = 0
        self.buffer = []          # (event type, body json)


class TaskStream:
    """Generates whole tasks (sent, received, started, succeeded|failed) into a sink."""

    def __init__(self, sink, channel_prefix, worker_ids, task_names, batch, fail_ratio, seed):
        self._sink = sink
        self._prefix = channel_prefix
        self._workers = [SimWorker(i + 1) for i in worker_ids]
        self._batch = batch
        self._fail_ratio = fail_ratio
        self._rng = random.Random(seed)
        self._envelopes = wire.Envelopes()
        self._ids = wire.uuid4_strings()
        self._names = [f'benchapp.tasks.task{i:02d}' for i in range(task_names)]
        self._variants = [self._arg_variants() for _ in self._names]
        self._failures = [[wire.failure_fragment(n, k) for k in range(len(wire.FAILURES))]
                          for n in self._names]
        self._runtimes = [self._rng.expovariate(250.0) + 5e-05 for _ in range(RUNTIME_RING)]
        self._client_pid = os.getpid()
        self._client_clock = 0
        self._next = 0            # round-robin worker index and runtime index
        self._size = self._pick_size()
        self.events = 0
        self.messages = 0
        self.tasks = 0
        self.failed = 0
        self.by_type = {}
        self.by_channel = {}

    def _arg_variants(self):
        pairs = [(self._rng.randrange(100), self._rng.randrange(100)) for _ in range(ARG_VARIANTS)]
        return [(f'({a}, {b})', str(a + b)) for a, b in pairs]

    def _pick_size(self):
        return self._rng.randint(1, self._batch)

    def emit_task(self):
        """Publishes one task-sent now and queues the worker's three events."""
        task_id = next(self._ids)
        n = int(self._rng.random() * len(self._names))
        name = self._names[n]
        args, result = self._variants[n][self.tasks % ARG_VARIANTS]
        self._client_clock += 1
        sent = wire.TASK_SENT % (CLIENT, self._client_pid, self._client_clock, task_id, task_id,
                                 name, args, QUEUE, QUEUE, time.time())
        self._publish(CLIENT, 'task.sent', sent, (('task-sent', 1),))
        worker = self._workers[self._next % len(self._workers)]
        self._next += 1
        self._queue(worker, 'task-received', wire.TASK_RECEIVED,
                    (task_id, name, args, task_id, time.time()))
        self._queue(worker, 'task-started', wire.TASK_STARTED, (task_id, time.time()))
        self._finish_task(worker, n, task_id, result)
        self.tasks += 1
        worker.processed += 1
        self._drain(worker, final=False)

    def _finish_task(self, worker, n, task_id, result):
        if self._rng.random() < self._fail_ratio:
            kind = self.failed % len(wire.FAILURES)  # alternate so both kinds always appear
            self.failed += 1
            self._queue(worker, 'task-failed', wire.TASK_FAILED,
                        (task_id, self._failures[n][kind], time.time()))
            return
        runtime = self._runtimes[self._next % RUNTIME_RING]
        self._queue(worker, 'task-succeeded', wire.TASK_SUCCEEDED,
                    (task_id, result, runtime, time.time()))

    def _queue(self, worker, event_type, template, fields):
        worker.clock += 1
        body = template % ((worker.hostname, worker.pid, worker.clock) + fields)
        worker.buffer.append((event_type, body))

    def _drain(self, worker, final):
        """Sends full batches; with `final`, also the remainder."""
        buf = worker.buffer
        while len(buf) >= self._size or (final and buf):
            chunk, worker.buffer = buf[:self._size], buf[self._size:]
            buf = worker.buffer
            self._size = self._pick_size()
            body = '[' + ', '.join(b for _, b in chunk) + ']'
            counts = {}
            for event_type, _ in chunk:
                counts[event_type] = counts.get(event_type, 0) + 1
            self._publish(worker.hostname, 'task.multi', body, counts.items())

    def heartbeats(self):
        """One worker-heartbeat per owned worker (not counted in `events`)."""
        loadavg = '[%s]' % ', '.join(str(round(x, 2)) for x in os.getloadavg())
        for w in self._workers:
            w.clock += 1
            body = wire.WORKER_HEARTBEAT % (w.hostname, w.pid, w.clock, 0, w.processed,
                                            loadavg, time.time())
            self._publish(w.hostname, 'worker.heartbeat', body, (('worker-heartbeat', 1),),
                          task_events=False)

    def finish(self):
        """Flushes every worker's buffer, so no counted task is left half-published."""
        for w in self._workers:
            self._drain(w, final=True)

    def _publish(self, hostname, routing_key, body, counts, task_events=True):
        data = self._envelopes.wrap(hostname, routing_key, body, next(self._ids))
        self._sink.publish(self._prefix + routing_key, data)
        self.messages += 1
        self.by_channel[routing_key] = self.by_channel.get(routing_key, 0) + 1
        for event_type, k in counts:
            self.by_type[event_type] = self.by_type.get(event_type, 0) + k
            if task_events:
                self.events += k
