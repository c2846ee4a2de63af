"""Celery test app for queuemon's integration tests and benchmark.

Broker and result backend come from the environment (QUEUEMON_CELERY_BROKER, default
redis://127.0.0.1:6379/0; QUEUEMON_CELERY_BACKEND, default = broker). Run with the system
interpreter, which owns python3-celery:  /usr/bin/python3 -m celery -A tasks worker ...
"""
import os
import time

from celery import Celery
from celery.exceptions import Reject

BROKER = os.environ.get('QUEUEMON_CELERY_BROKER', 'redis://127.0.0.1:6379/0')
BACKEND = os.environ.get('QUEUEMON_CELERY_BACKEND', BROKER)

app = Celery('tasks', broker=BROKER, backend=BACKEND)
app.conf.update(
    task_default_queue='celery',
    result_expires=3600,
    worker_prefetch_multiplier=2,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    # Fail fast when the fixture's redis-server is gone instead of retrying for minutes.
    broker_transport_options={'max_retries': 3},
    # Clients publish task-sent (the only event that names the queue), as the task-event
    # tests and celery-exporter's users expect.
    task_send_sent_event=True,
)


@app.task
def add(x, y):
    return x + y


@app.task
def sleepy(seconds):
    time.sleep(seconds)
    return f'slept {seconds}'


@app.task
def held(release_path, limit):
    """Runs until the test creates `release_path` (or `limit` seconds pass, so a crashed test
    cannot wedge a worker): while it runs, the worker's active/reserved lists cannot change."""
    deadline = time.monotonic() + limit
    while not os.path.exists(release_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    return os.path.exists(release_path)


@app.task
def fail():
    raise ValueError('boom')


@app.task(acks_late=True)
def late(seconds):
    time.sleep(seconds)
    return seconds


@app.task(track_started=True)
def tracked(seconds):
    time.sleep(seconds)
    return seconds


@app.task
def fail_key():
    raise KeyError('missing')


@app.task(bind=True, max_retries=1)
def retry_once(self):
    """Fails once and is retried (task-retried, then a second task-sent), then succeeds."""
    if self.request.retries == 0:
        raise self.retry(countdown=0.1, exc=RuntimeError('first attempt'))
    return 'second attempt'


@app.task(acks_late=True)
def rejected():
    """Rejected by the worker without requeue: one task-rejected event."""
    raise Reject('not wanted', requeue=False)
