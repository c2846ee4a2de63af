"""REFERENCE ONLY — a re-creation of the original Python design that queuemond replaces, for the
benchmarks in bench/http/. It is not part of queuemon and is not meant to be deployed.

FastAPI + uvicorn, sync endpoints (FastAPI runs them in its thread pool), an RLock-guarded
TTL/LRU dict per category in front of Celery's `app.control.inspect()` with Celery's default
1.0 s reply timeout. No single-flight: concurrent misses each run their own broadcasts, which is
the behaviour queuemond is measured against. JSON is serialised per request (FastAPI
JSONResponse), as the original did. Same URLs, `use_cache`, `X-Cache` headers and
`/cache/stats` shape as design.md.

Run (system interpreter, tests/celery_app on PYTHONPATH, QUEUEMON_CELERY_BROKER set):
  /usr/bin/python3 -m uvicorn original_app:app --app-dir bench/http --host 127.0.0.1 --port P
"""
import collections
import datetime
import os
import threading
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tasks import app as celery_app

# Without this, 10+ concurrent misses deadlock: each inspect() holds one connection of kombu's
# pool (default broker_pool_limit=10) while waiting for a producer that needs another one
# (observed: no answer at all for 300 s after an invalidate under c=1000). Unbounded pools keep
# the reference alive, with every concurrent miss running its own broadcasts.
celery_app.conf.broker_pool_limit = None

INSPECT_TIMEOUT = 1.0  # Celery's default; every broadcast waits this long for stragglers.
PREFIX = '/api/v1/celery'
CACHE_CONFIG = {  # name: (ttl seconds, max entries) — the original's defaults
    'task_status': (2, 500),
    'worker_status': (5, 100),
    'queue_status': (3, 100),
    'metrics_summary': (5, 100),
    'health_check': (10, 50),
}


class TTLCache:
    """The original's cache: OrderedDict LRU + TTL, every operation under one RLock."""

    def __init__(self, ttl, max_size):
        self.ttl, self.max_size = ttl, max_size
        self.lock = threading.RLock()
        self.data = collections.OrderedDict()  # key -> (expires_at, value, stored_at)
        self.stats = dict.fromkeys(('hits', 'misses', 'sets', 'evictions', 'expirations',
                                    'invalidations'), 0)

    def get(self, key):
        with self.lock:
            item = self.data.get(key)
            if item is None:
                self.stats['misses'] += 1
                return None
            if item[0] <= time.monotonic():
                del self.data[key]
                self.stats['expirations'] += 1
                self.stats['misses'] += 1
                return None
            self.data.move_to_end(key)
            self.stats['hits'] += 1
            return item

    def set(self, key, value):
        with self.lock:
            now = time.monotonic()
            self.data[key] = (now + self.ttl, value, now)
            self.data.move_to_end(key)
            self.stats['sets'] += 1
            while len(self.data) > self.max_size:
                self.data.popitem(last=False)
                self.stats['evictions'] += 1

    def clear(self):
        with self.lock:
            self.stats['invalidations'] += len(self.data)
            self.data.clear()

    def snapshot(self):
        with self.lock:
            s = dict(self.stats)
            size = len(self.data)
        total = s['hits'] + s['misses']
        s.update(size=size, max_size=self.max_size,
                 utilization_percent=round(100.0 * size / self.max_size, 2),
                 hit_rate_percent=round(100.0 * s['hits'] / total, 2) if total else 0.0,
                 total_requests=total)
        return s


# QUEUEMON_ORIGINAL_TTL (seconds) overrides every TTL: the benchmark's "original-hit" instance
# uses a long one to measure the pure HIT path without the periodic miss herds.
_ttl_override = os.environ.get('QUEUEMON_ORIGINAL_TTL')
caches = {name: TTLCache(float(_ttl_override) if _ttl_override else ttl, size)
          for name, (ttl, size) in CACHE_CONFIG.items()}
app = FastAPI(title='original queuemon design (reference)')


def parse_use_cache(request):
    raw = request.query_params.get('use_cache', 'true').lower()
    if raw in ('true', '1'):
        return True
    if raw in ('false', '0'):
        return False
    return None


def cached(request, cache_name, key, compute):
    use_cache = parse_use_cache(request)
    if use_cache is None:
        return JSONResponse({'error': 'bad request', 'detail': 'use_cache must be true or false'},
                            status_code=400)
    cache = caches[cache_name]
    if use_cache:
        item = cache.get(key)
        if item is not None:
            age = int(time.monotonic() - item[2])
            return JSONResponse(item[1], headers={'X-Cache': 'HIT', 'X-Cache-Age': str(age),
                                                  'Age': str(age)})
    else:
        with cache.lock:
            cache.stats['misses'] += 1
    value = compute()
    cache.set(key, value)
    return JSONResponse(value, headers={'X-Cache': 'MISS'})


def inspect():
    return celery_app.control.inspect(timeout=INSPECT_TIMEOUT)


def queue_lengths(names):
    out = {}
    with celery_app.connection_for_read() as conn:
        client = conn.default_channel.client
        for name in names:
            per = {str(p): client.llen(name if p == 0 else f'{name}\x06\x16{p}') for p in (0, 3, 6, 9)}
            out[name] = {'name': name, 'messages': sum(per.values()), 'priorities': per}
    return out


def collect_workers():
    i = inspect()
    stats, active, queues = i.stats() or {}, i.active() or {}, i.active_queues() or {}
    workers = []
    for host in sorted(set(stats) | set(active) | set(queues)):
        st = stats.get(host, {})
        workers.append({
            'hostname': host, 'status': 'online', 'active': len(active.get(host, [])),
            'processed': sum(st.get('total', {}).values()), 'pid': st.get('pid'),
            'pool': st.get('pool', {}).get('implementation'),
            'concurrency': st.get('pool', {}).get('max-concurrency'),
            'queues': [q['name'] for q in queues.get(host, [])]})
    return {'workers': workers, 'count': len(workers)}


def collect_queues():
    queues = inspect().active_queues() or {}
    names = sorted({q['name'] for qs in queues.values() for q in qs} | {'celery'})
    return {'queues': list(queue_lengths(names).values())}


def collect_tasks():
    i = inspect()
    out = {}
    for kind, reply in (('active', i.active()), ('reserved', i.reserved()),
                        ('scheduled', i.scheduled())):
        for host, tasks in (reply or {}).items():
            out.setdefault(host, {})[kind] = tasks
            out[host][kind + '_count'] = len(tasks)
    return {'workers': out}


def collect_summary():
    workers, tasks, queues = collect_workers(), collect_tasks(), collect_queues()
    per = tasks['workers'].values()
    return {'workers_online': workers['count'], 'workers_offline': 0,
            'active': sum(w.get('active_count', 0) for w in per),
            'reserved': sum(w.get('reserved_count', 0) for w in per),
            'scheduled': sum(w.get('scheduled_count', 0) for w in per),
            'queued_messages': sum(q['messages'] for q in queues['queues']),
            'processed': sum(w['processed'] for w in workers['workers'])}


def collect_health():
    start = time.monotonic()
    with celery_app.connection_for_read() as conn:
        conn.default_channel.client.ping()
    rtt = time.monotonic() - start
    replies = celery_app.control.ping(timeout=INSPECT_TIMEOUT) or []
    return {'broker_reachable': True, 'broker_rtt_ms': round(rtt * 1000, 3),
            'workers_answering': len(replies)}


def collect_task(task_id):
    res = celery_app.AsyncResult(task_id)
    result = res.result
    if isinstance(result, Exception):
        result = repr(result)
    return {'task_id': task_id, 'state': res.state, 'result': result}


@app.get(PREFIX + '/workers/status')
def workers_status(request: Request):
    return cached(request, 'worker_status', 'workers', collect_workers)


@app.get(PREFIX + '/queues/status')
def queues_status(request: Request):
    return cached(request, 'queue_status', 'queues', collect_queues)


@app.get(PREFIX + '/tasks/status')
def tasks_status(request: Request):
    return cached(request, 'task_status', 'tasks', collect_tasks)


@app.get(PREFIX + '/tasks/{task_id}')
def task(task_id: str, request: Request):
    return cached(request, 'task_status', 'task:' + task_id, lambda: collect_task(task_id))


@app.get(PREFIX + '/metrics/summary')
def metrics_summary(request: Request):
    return cached(request, 'metrics_summary', 'summary', collect_summary)


@app.get(PREFIX + '/health')
def health(request: Request):
    return cached(request, 'health_check', 'health', collect_health)


@app.get(PREFIX + '/cache/stats')
def cache_stats():
    per = {name: c.snapshot() for name, c in caches.items()}
    hits = sum(s['hits'] for s in per.values())
    total = sum(s['total_requests'] for s in per.values())
    return {'timestamp': datetime.datetime.now(datetime.timezone.utc).isoformat(),
            'caches': per,
            'summary': {'total_hits': hits, 'total_misses': total - hits, 'total_requests': total,
                        'overall_hit_rate_percent': round(100.0 * hits / total, 2) if total else 0.0}}


@app.post(PREFIX + '/cache/invalidate')
def cache_invalidate(request: Request):
    name = request.query_params.get('cache_name')
    if name is not None and name not in caches:
        return JSONResponse({'error': 'not found', 'detail': f'unknown cache {name}'},
                            status_code=404)
    for cname, c in caches.items():
        if name is None or cname == name:
            c.clear()
    return {'invalidated': name or 'all'}


@app.get('/healthz')
def healthz():
    return {'status': 'ok'}
