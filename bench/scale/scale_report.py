"""Markdown tables of run_scale.py's figures: one table per metric, one row per cluster size
(N workers x Q queues), and the warnings a reader must see before trusting a row."""
from scale_cluster import VIEWS


def fmt(x, digits=0):
    if x is None or x != x:
        return '—'
    return f'{x:,.{digits}f}'


def size(r):
    return f'{r["workers"]} × {r["queues"]}'


def table(title, head, rows, note=None):
    out = [f'### {title}', '']
    if note:
        out += [note, '']
    out += ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    out += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return out + ['']


def _ok(results):
    return [r for r in results if 'error' not in r]


def setup_table(rs):
    rows = [[size(r), fmt(r['setup']['sim_ready_s'], 1), fmt(r['setup']['daemon_readyz_s'], 2),
             fmt(r['setup']['daemon_all_online_s'], 2),
             f'{r["listed"]["workers_online"]} / {r["workers"]}',
             f'{r["listed"]["queues"]} / {r["listed"]["expected_queues"]}'] for r in rs]
    return table('Setup and coverage', ['N × Q', 'cluster_sim ready s', 'queuemond /readyz s',
                                        'all N online s', 'workers online / N',
                                        'queues listed / Q+1'], rows)


def wall_table(rs):
    def cell(c):
        w = c['wall_ms']
        return f'{fmt(w["median"], 1)} [{fmt(w["min"], 1)}–{fmt(w["max"], 1)}]'
    rows = [[size(r)] + [cell(r['collections'][v]) for v in VIEWS] for r in rs]
    return table('Collection wall time, ms: median [min–max] of K bypasses',
                 ['N × Q'] + list(VIEWS), rows)


def cpu_table(rs):
    rows = [[size(r)] + [f'{fmt(r["collections"][v]["cpu_ms"], 2)} / '
                         f'{fmt(r["collections"][v]["cpu_net_ms"], 2)}' for v in VIEWS]
            for r in rs]
    return table('queuemond CPU per collection, ms: raw / net of the idle rate', ['N × Q'] +
                 list(VIEWS), rows, 'raw = all threads\' CPU over the K bypasses / K; net = raw '
                 'minus the idle CPU rate (event stream) times the time the K bypasses took / K.')


def others_cpu_table(rs):
    rows = [[size(r)] + [f'{fmt(r["collections"][v]["sim_cpu_ms"], 1)} / '
                         f'{fmt(r["collections"][v]["redis_cpu_ms"], 1)}' for v in VIEWS]
            for r in rs]
    return table('cluster_sim / redis-server CPU per collection, ms', ['N × Q'] + list(VIEWS),
                 rows, 'Over the same K bypasses: the simulated workers answer on one strand '
                 '(SMEMBERS, then LPUSH, per reply): where cluster_sim nears the wall time, the '
                 'wall time is the simulator\'s, not queuemond\'s.')


def idle_table(rs):
    rows = []
    for r in rs:
        i = r['idle']
        rows.append([size(r), f'{fmt(i["events_per_s"])} ({fmt(i["expected_heartbeats_per_s"])})',
                     fmt(i['publish_per_s']), fmt(i['cpu_share']['queuemond'] * 100, 1),
                     fmt(i['cpu_us_per_event'], 1), fmt(i['cpu_share']['cluster_sim'] * 100, 1),
                     fmt(i['cpu_share']['redis'] * 100, 1)])
    return table('Idle: no requests', ['N × Q', 'events/s received (expected N/2)', 'PUBLISH/s',
                                       'queuemond % core', 'queuemond µs / event',
                                       'cluster_sim % core', 'redis % core'], rows,
                 'µs / event = queuemond\'s idle CPU / events received: it also carries the '
                 'daemon\'s timers (sweeps, health, queue discovery), so it is an upper bound '
                 'that matters only where events/s is large.')


def commands_table(rs):
    head = ['N × Q'] + [f'{v}: total / queuemond / sim replies / heartbeats' for v in VIEWS]
    rows = [[size(r)] + [' / '.join(fmt(r['collections'][v][k], 1) for k in (
        'commands_total', 'daemon_commands', 'sim_replies', 'sim_events')) for v in VIEWS]
        for r in rs]
    return table('Broker commands per collection', head, rows,
                 'INFO commandstats growth over the K timed bypasses / K. total = everyone; '
                 'sim replies = SMEMBERS + LPUSH (only the simulated workers send them); '
                 'heartbeats = PUBLISH minus queuemond\'s pidbox broadcasts '
                 '(queuemon_collector_broadcasts_total); queuemond = the rest + its broadcasts. '
                 'The MONITOR pass checks that attribution (see Warnings).')


def by_command_table(rs):
    rows = []
    for r in rs:
        for v in VIEWS:
            c = r['collections'][v]
            cmds = ', '.join(f'{k.upper()} {fmt(n, 1)}' for k, n in c['daemon_by_cmd'].items())
            rows.append([size(r), v, cmds, fmt(r['accounting'][v]['daemon'], 1)])
    return table('queuemond\'s commands per collection, by command', [
        'N × Q', 'view', 'timed bypasses', 'queuemond\'s total under MONITOR'], rows,
        'Under MONITOR Redis is slower, replies pile up, and each BRPOP + MULTI/LRANGE/LTRIM/EXEC '
        'drain takes more of them: fewer commands than in the timed bypasses.')


def wire_table(rs):
    rows = [[size(r)] + [f'{fmt(r["collections"][v]["round_trips"], 1)} / '
                         f'{fmt(r["collections"][v]["kib_sent"], 1)} / '
                         f'{fmt(r["collections"][v]["kib_received"], 1)}' for v in VIEWS]
            for r in rs]
    return table('queuemond\'s broker wire per collection: round trips / KiB sent / KiB received',
                 ['N × Q'] + list(VIEWS), rows,
                 'From the kernel\'s counters of queuemond\'s sockets to Redis (ss -ti), event '
                 'subscription excluded: round trips = data segments sent (one per command or '
                 'pipeline; a write over 64 KiB counts once per 64 KiB).')


def bodies_table(rs):
    def cell(b):
        return fmt(b['bytes']) + (f' / {fmt(b["gzip_bytes"])}' if b['gzip_bytes'] else ' / —')
    rows = [[size(r)] + [cell(r['bodies'][v]) for v in VIEWS + ('metrics',)] for r in rs]
    return table('Body bytes: identity / gzip (— = not compressed)',
                 ['N × Q'] + list(VIEWS) + ['/metrics'], rows)


def serving_table(rs):
    rows = [[size(r), fmt(r['rss_kib_after_collections']), fmt(r['rss_kib_end']),
             fmt(r['hit']['rps']), fmt(r['hit']['p50_us']), fmt(r['hit']['p99_us']),
             str(r['hit']['errors']), fmt(r['metrics']['median_ms'], 2)] for r in rs]
    return table('Memory, the HIT path (wrk on the workers view) and /metrics',
                 ['N × Q', 'RSS KiB after collections', 'RSS KiB at end', 'HIT req/s',
                  'HIT p50 µs', 'HIT p99 µs', 'wrk errors', '/metrics median ms'], rows)


def warnings(results, inspect_timeout_ms):
    out = []
    for r in results:
        if 'error' in r:
            out.append(f'{size(r)}: FAILED: {r["error"]} (logs: {r.get("state")})')
            continue
        i = r['idle']
        if i['events_per_s'] and i['events_per_s'] > 1.5 * i['expected_heartbeats_per_s']:
            out.append(f'{size(r)}: queuemond received {fmt(i["events_per_s"])} events/s, '
                       f'{i["events_per_s"] / i["expected_heartbeats_per_s"]:.0f}× the N/2 '
                       'heartbeats/s the simulator should send: idle CPU and every figure '
                       'measured beside it carry that load')
        for v in VIEWS:
            c = r['collections'][v]
            if set(c['status']) != {200}:
                out.append(f'{size(r)} {v}: statuses {c["status"]}')
            if c['wall_ms']['max'] >= 0.9 * inspect_timeout_ms:
                out.append(f'{size(r)} {v}: a collection took {fmt(c["wall_ms"]["max"])} ms, '
                           'near the inspect deadline: a round waited for it')
            if set(c['x_cache']) != {'MISS'}:
                out.append(f'{size(r)} {v}: bypasses answered X-Cache {c["x_cache"]}')
        cached = {v: b['x_cache'] for v, b in r['bodies'].items() if v in VIEWS}
        if set(cached.values()) != {'HIT'}:
            out.append(f'{size(r)}: cached views answered {cached} (expected HIT)')
        for v, a in r['accounting'].items():
            wrong = {x: n for x, n in a['daemon_by_cmd'].items() if x.lower() in ('smembers',
                                                                                  'lpush')}
            if wrong or a['sim_other_by_cmd'] or a['unattributed_by_cmd']:
                out.append(f'{size(r)} {v}: MONITOR contradicts the commandstats split: '
                           f'queuemond sent {wrong}, the simulator {a["sim_other_by_cmd"]}, '
                           f'unattributed {a["unattributed_by_cmd"]}')
        l = r['listed']
        if l['workers_online'] != r['workers'] or l['queues'] != l['expected_queues']:
            out.append(f'{size(r)}: views list {l["workers_online"]} workers online, '
                       f'{l["queues"]} queues')
        if r['hit']['errors']:
            out.append(f'{size(r)}: wrk counted {r["hit"]["errors"]} errors on the HIT path')
    return out


def render(results, inspect_timeout_ms):
    rs = _ok(results)
    out = []
    for part in (setup_table, wall_table, cpu_table, others_cpu_table, idle_table, commands_table,
                 by_command_table, wire_table, bodies_table, serving_table):
        if rs:
            out += part(rs)
    warn = warnings(results, inspect_timeout_ms)
    if warn:
        out += ['### Warnings', ''] + [f'- {w}' for w in warn] + ['']
    return '\n'.join(out)
