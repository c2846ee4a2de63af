"""The measurements of one size (run_scale.py calls them in this order on a started Cluster):
idle cost, bypass collections (wall, CPU, broker commands, wire), the MONITOR pass that splits the
commands by sender, bodies, /metrics, the HIT path under wrk, and the optional perf profile.
README.md says what each figure means."""
import collections
import http.client
import json
import os
import select
import shutil
import signal
import statistics
import subprocess
import time

import loadgen
import stack
import scale_probe as probe
from scale_cluster import VIEWS, view_path

CLK_TCK = os.sysconf('SC_CLK_TCK')


def idle(c, seconds):
    """No requests for `seconds`: queuemond's CPU is the event stream's (heartbeats)."""
    events0, tm0 = c.metric('queuemon_events_received_total'), time.monotonic()
    pids = {'queuemond': c.pid, 'cluster_sim': c.sim_pid, 'redis': c.redis_pid}
    cpu0 = {k: probe.cpu_ns(p) for k, p in pids.items()}
    cs0, t0 = probe.commandstats(c.redis), time.monotonic()
    time.sleep(seconds)  # the measurement window itself
    cs1, t1 = probe.commandstats(c.redis), time.monotonic()
    cpu1 = {k: probe.cpu_ns(p) for k, p in pids.items()}
    events1, tm1 = c.metric('queuemon_events_received_total'), time.monotonic()
    window = t1 - t0
    share = {k: (cpu1[k] - cpu0[k]) / 1e9 / window for k in pids}
    events_per_s = (events1 - events0) / (tm1 - tm0) if events1 is not None else None
    return {'seconds': window, 'cpu_share': share,
            'cpu_ms_per_s': share['queuemond'] * 1e3,
            'events_per_s': events_per_s,
            'publish_per_s': probe.diff_counts(cs0, cs1).get('publish', 0) / window,
            'expected_heartbeats_per_s': c.workers / 2.0,
            'cpu_us_per_event': (share['queuemond'] * 1e6 / events_per_s
                                 if events_per_s else None)}


def _summary_ms(samples):
    return {'median': statistics.median(samples) * 1e3, 'min': min(samples) * 1e3,
            'max': max(samples) * 1e3, 'samples_ms': [round(x * 1e3, 3) for x in samples]}


# What the simulated workers send: SMEMBERS of the reply binding + LPUSH per reply, PUBLISH on
# celeryev per event. queuemond sends neither SMEMBERS nor LPUSH while collecting (the MONITOR
# pass checks it), and its PUBLISHes are its pidbox broadcasts, which it counts itself.
SIM_REPLY_COMMANDS = ('smembers', 'lpush')


def split_commands(commands, broadcasts):
    """INFO commandstats growth -> (queuemond's by command, sim replies, sim events)."""
    daemon = {k: v for k, v in commands.items() if k not in SIM_REPLY_COMMANDS + ('publish',)}
    if broadcasts:
        daemon['publish'] = broadcasts
    replies = sum(commands.get(k, 0) for k in SIM_REPLY_COMMANDS)
    return dict(sorted(daemon.items())), replies, commands.get('publish', 0) - broadcasts


def bypasses(c, view, k, idle_cpu_ms_per_s=0.0):
    """k sequential `?use_cache=false` requests (k collections) on one keep-alive connection,
    with CPU, INFO commandstats and the daemon's TCP counters read around them."""
    timer, samples = loadgen.Timer(c.port, timeout=600), []
    statuses, kinds = collections.Counter(), collections.Counter()
    subscribers = c.subscriber_ports()
    broadcasts0 = c.metric('queuemon_collector_broadcasts_total') or 0
    cpu0, ticks0 = probe.cpu_ns(c.pid), stack.cpu_ticks(c.pid)
    others0 = [probe.cpu_ns(p) for p in (c.sim_pid, c.redis_pid)]
    cs0, tcp0, t0 = probe.commandstats(c.redis), probe.tcp_clients(c.s.redis_port), time.monotonic()
    try:
        for _ in range(k):
            status, kind, elapsed, _ = timer.request(view_path(view, bypass=True))
            samples.append(elapsed)
            statuses[status] += 1
            kinds[kind] += 1
    finally:
        timer.close()
    elapsed = time.monotonic() - t0
    cs1, tcp1 = probe.commandstats(c.redis), probe.tcp_clients(c.s.redis_port)
    cpu1, ticks1 = probe.cpu_ns(c.pid), stack.cpu_ticks(c.pid)
    sim_ns, redis_ns = (probe.cpu_ns(p) - b for p, b in zip((c.sim_pid, c.redis_pid), others0))
    broadcasts = (c.metric('queuemon_collector_broadcasts_total') or 0) - broadcasts0
    commands = probe.diff_counts(cs0, cs1)
    daemon, replies, events = split_commands(commands, broadcasts)
    wire = probe.wire_delta(tcp0, tcp1, c.pid, skip_ports=subscribers)
    cpu_ms = (cpu1 - cpu0) / 1e6 / k
    return {'wall_ms': _summary_ms(samples), 'status': dict(statuses), 'x_cache': dict(kinds),
            'cpu_ms': cpu_ms, 'cpu_ticks_ms': (ticks1 - ticks0) * 1e3 / CLK_TCK / k,
            'cpu_net_ms': cpu_ms - idle_cpu_ms_per_s * elapsed / k,
            'sim_cpu_ms': sim_ns / 1e6 / k, 'redis_cpu_ms': redis_ns / 1e6 / k,
            'commands_total': sum(commands.values()) / k, 'commands_by_cmd': commands,
            'daemon_commands': sum(daemon.values()) / k,
            'daemon_by_cmd': {x: n / k for x, n in daemon.items()},
            'sim_replies': replies / k, 'sim_events': events / k, 'broadcasts': broadcasts / k,
            'round_trips': wire['data_segs_out'] / k,
            'kib_sent': wire['bytes_sent'] / 1024 / k,
            'kib_received': wire['bytes_received'] / 1024 / k}


def classify(lines, sockets, c):
    """MONITOR lines by sender: queuemond's sockets, cluster_sim's (its replies: SMEMBERS of the
    reply binding + LPUSH; its events: PUBLISH on celeryev), anything else (this harness)."""
    daemon, sim_replies, sim_other, other = (collections.Counter() for _ in range(4))
    sim_events = 0
    for port, cmd, arg in lines:
        owner = sockets.get(port, {}).get('pid')
        if owner == c.pid:
            daemon[cmd] += 1
        elif owner == c.sim_pid:
            if cmd == 'PUBLISH' and b'celeryev' in arg:
                sim_events += 1
            elif cmd in ('SMEMBERS', 'LPUSH'):
                sim_replies[cmd] += 1
            else:
                sim_other[cmd] += 1
        else:
            other[cmd] += 1
    return daemon, sim_replies, sim_events, sim_other, other


def monitor_pass(c, k):
    """k more bypasses per view with MONITOR on (it slows Redis, so nothing is timed here):
    the commands per collection split by the process that sent them."""
    mon = probe.Monitor(c.s, c.s.redis_port, c.redis)
    out = {}
    try:
        for view in VIEWS:
            mon.window()  # drop what came before
            for _ in range(k):
                stack.http_request(c.port, view_path(view, bypass=True), timeout=600)
            lines = mon.window()
            daemon, replies, events, sim_other, other = classify(
                lines, probe.tcp_clients(c.s.redis_port), c)
            out[view] = {'daemon': sum(daemon.values()) / k,
                         'daemon_by_cmd': {x: n / k for x, n in sorted(daemon.items())},
                         'sim_replies': sum(replies.values()) / k,
                         'sim_replies_by_cmd': {x: n / k for x, n in sorted(replies.items())},
                         'sim_events': events / k,
                         'sim_other_by_cmd': {x: n / k for x, n in sorted(sim_other.items())},
                         'unattributed_by_cmd': {x: n / k for x, n in sorted(other.items())},
                         'repeats': k}
    finally:
        c.s.stop(mon.proc)
    return out


def get(port, path, headers=None, timeout=600):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
    try:
        conn.request('GET', path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def bodies(c):
    """Each view's cached body, identity and as sent to a client accepting gzip."""
    out = {}
    for view, path in [(v, view_path(v)) for v in VIEWS] + [('metrics', '/metrics')]:
        status, headers, body = get(c.port, path)
        _, gz_headers, gz_body = get(c.port, path, {'Accept-Encoding': 'gzip'})
        gzipped = gz_headers.get('content-encoding') == 'gzip'
        out[view] = {'status': status, 'x_cache': headers.get('x-cache'), 'bytes': len(body),
                     'gzip_bytes': len(gz_body) if gzipped else None}
    return out


def listed(c):
    """What the cached views list: a check that the daemon saw the whole cluster."""
    workers = json.loads(get(c.port, view_path('workers'))[2])
    queues = json.loads(get(c.port, view_path('queues'))[2])
    tasks = json.loads(get(c.port, view_path('tasks'))[2])
    return {'workers_online': workers.get('online'), 'workers': len(workers.get('workers', [])),
            'queues': len(queues.get('queues', [])), 'expected_queues': c.queues + 1,
            'tasks_keys': sorted(tasks)[:8]}


def metrics_time(c, k):
    """k sequential GET /metrics (identity) with the workers and queues views cached."""
    for view in ('workers', 'queues'):
        get(c.port, view_path(view))
    r = loadgen.sequential(c.port, '/metrics', k)
    return {'median_ms': r.get('p50_ms'), 'max_ms': r.get('max_ms'), 'status': r['status']}


def hit_wrk(c, connections, duration):
    r = loadgen.run_wrk(c.port, view_path('workers'), connections, duration, c.pid)
    keep = ('rps', 'p50_us', 'p99_us', 'p999_us', 'max_us', 'errors', 'requests',
            'server_cpu_share', 'wrk_cpu_share', 'connections')
    return {k: r[k] for k in keep}


def _perf_enable(ctl, ack, proc, deadline_s=15):
    """perf record started with events disabled (-D -1): enable them through its control fifo
    and wait for its ack, so that no bypass runs before perf is recording."""
    deadline = time.monotonic() + deadline_s
    ack_fd = os.open(ack, os.O_RDONLY | os.O_NONBLOCK)
    try:
        while True:  # ENXIO until perf has opened its end
            try:
                ctl_fd = os.open(ctl, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError('perf did not open its control fifo')
                time.sleep(0.02)  # polling a condition with a deadline
        os.write(ctl_fd, b'enable\n')
        os.close(ctl_fd)
        got = b''
        while b'ack' not in got:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError('perf did not acknowledge "enable"')
            ready, _, _ = select.select([ack_fd], [], [], 0.1)
            chunk = os.read(ack_fd, 64) if ready else b''
            got += chunk
            if not chunk:
                time.sleep(0.02)  # EOF while perf has not opened its end yet
    finally:
        os.close(ack_fd)


def profile(c, k, view='workers', call_graph='fp', lines=60):
    """perf record on queuemond over k bypasses of `view`; the report's first lines and a flat
    profile (symbols over 1 %)."""
    base = {'view': view, 'repeats': k, 'call_graph': call_graph}
    if not shutil.which('perf'):
        return dict(base, note='perf not installed')
    data, ctl, ack = (os.path.join(c.s.state, n) for n in ('perf.data', 'perf.ctl', 'perf.ack'))
    os.mkfifo(ctl)
    os.mkfifo(ack)
    graph = ['-g'] if call_graph == 'fp' else ['--call-graph', 'dwarf']
    log = open(os.path.join(c.s.state, 'perf.log'), 'wb')
    proc = subprocess.Popen(['perf', 'record', '-D', '-1', '--control', f'fifo:{ctl},{ack}', *graph,
                             '-o', data, '-p', str(c.pid)], stdout=log, stderr=subprocess.STDOUT,
                            preexec_fn=stack._die_with_parent)
    log.close()
    try:
        _perf_enable(ctl, ack, proc)
        for _ in range(k):
            stack.http_request(c.port, view_path(view, bypass=True), timeout=600)
    except RuntimeError as exc:
        return dict(base, note=f'perf record failed: {exc}; see {c.s.state}/perf.log')
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(120)
    return dict(base, **_perf_report(data, lines))


def _perf_report(data, lines):
    def report(*extra):
        rep = subprocess.run(['perf', 'report', '-i', data, '--stdio', '--no-children', *extra],
                             capture_output=True, text=True, timeout=600,
                             stdin=subprocess.DEVNULL)
        return rep, [l.rstrip() for l in rep.stdout.splitlines()]
    rep, graph = report()
    if rep.returncode != 0 or not any('%' in l for l in graph):
        return {'note': f'perf report found no samples ({rep.returncode}): {rep.stderr[-500:]}'}
    _, flat = report('-g', 'none', '--percent-limit', '1')
    return {'flat': [l for l in flat if l and not l.startswith('#')][:30], 'report': graph[:lines]}
