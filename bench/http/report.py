"""Renders the figures of run_bench.py as a Markdown report (medians over the alternation
rounds; ratios are taken between medians measured in the same run)."""
import statistics

TARGETS = ('queuemond', 'queuemond-baseline', 'nginx', 'original', 'original-hit',
           'queuemond-bypass')


def med(rows, key):
    vals = [r[key] for r in rows]
    return statistics.median(vals) if vals else float('nan')


def fmt(x, digits=0):
    if x is None or x != x:
        return '—'
    return f'{x:,.{digits}f}'


def us_ms(us):
    return fmt(us / 1000.0, 2) if us == us else '—'


def throughput_table(rows):
    out = ['| target | c | req/s (median) | p50 ms | p99 ms | p99.9 ms | errors (sum) | '
           'server CPU s / 100k req | server CPU share | wrk CPU share | runs |',
           '|---|---|---|---|---|---|---|---|---|---|---|']
    summary = {}
    for c in (32, 256):
        for t in TARGETS:
            sel = [r for r in rows if r['target'] == t and r['connections'] == c]
            if not sel:
                continue
            s = {k: med([r for r in sel if k in r], k) for k in (
                'rps', 'p50_us', 'p99_us', 'p999_us', 'cpu_s_per_100k', 'server_cpu_share',
                'wrk_cpu_share')}
            s['errors'] = sum(r['errors'] for r in sel)
            summary[(t, c)] = s
            out.append(f'| {t} | {c} | {fmt(s["rps"])} | {us_ms(s["p50_us"])} | '
                       f'{us_ms(s["p99_us"])} | {us_ms(s["p999_us"])} | {s["errors"]} | '
                       f'{fmt(s["cpu_s_per_100k"], 2)} | {fmt(s["server_cpu_share"], 2)} | '
                       f'{fmt(s["wrk_cpu_share"], 2)} | {len(sel)} |')
    return out, summary


def ratio_lines(summary):
    out = []
    for c in (32, 256):
        q = summary.get(('queuemond', c))
        if not q:
            continue
        for ref in ('nginx', 'original-hit', 'original'):
            r = summary.get((ref, c))
            if r and r['rps']:
                out.append(f'- c={c}: queuemond / {ref} throughput = **{q["rps"] / r["rps"]:.2f}×**; '
                           f'p99 {us_ms(q["p99_us"])} ms vs {us_ms(r["p99_us"])} ms; CPU per 100k '
                           f'{fmt(q["cpu_s_per_100k"], 2)} s vs {fmt(r["cpu_s_per_100k"], 2)} s')
    return out


def targets_lines(summary, res):
    out = []
    q32, n32 = summary.get(('queuemond', 32)), summary.get(('nginx', 32))
    o32 = summary.get(('original-hit', 32)) or summary.get(('original', 32))
    q256, n256 = summary.get(('queuemond', 256)), summary.get(('nginx', 256))
    check = lambda ok: 'met' if ok else '**missed**'
    if q32 and n32 and n32['rps']:
        out.append(f'- HIT throughput at c=32 ≥ 0.9 × nginx: {q32["rps"] / n32["rps"]:.2f}× → '
                   f'{check(q32["rps"] >= 0.9 * n32["rps"])}')
    if q32 and o32 and o32['rps']:
        out.append(f'- ≥ 20 × the original (its HIT path) at c=32: {q32["rps"] / o32["rps"]:.1f}× '
                   f'→ {check(q32["rps"] >= 20 * o32["rps"])}')
    if q256 and n256:
        out.append(f'- p99 at c=256 ≤ nginx p99: {us_ms(q256["p99_us"])} ms vs '
                   f'{us_ms(n256["p99_us"])} ms → {check(q256["p99_us"] <= n256["p99_us"])}')
    for r in res.get('c1000', []):
        if r['target'] == 'queuemond':
            out.append(f'- no errors at c=1000: {r["errors"]} errors → {check(r["errors"] == 0)}')
    sh = [r for r in res.get('shielding', []) if r['target'] == 'queuemond']
    if sh:
        b = [r['pidbox_broadcasts_per_s'] for r in sh]
        out.append(f'- broadcasts/s independent of N: {", ".join(fmt(x, 2) for x in b)} for N = '
                   f'{", ".join(str(r["pollers"]) for r in sh)}')
    return out


def render(res):
    m = res['meta']
    lines = [f'# HTTP benchmark: queuemond vs nginx vs the original design ({m["date"]})', '',
             f'- git {m["git"]}; {m["cpus"]} × {m["cpu_model"]}; load average at start '
             f'{" ".join(m["loadavg_start"])}',
             f'- queuemond threads = nginx workers = {m["threads"]}; original = uvicorn, 1 '
             f'process; pinning: {m.get("pinning")}',
             f'- {m["wrk"]}; {m["nginx"]}; {m["rounds"]} alternating round(s) of {m["duration"]} s '
             f'per run; body: {m.get("body_bytes")} bytes of /workers/status from '
             f'{m.get("body_from")}', f'- arguments: `{m["argv"]}`', '']
    if res['throughput']:
        table, summary = throughput_table(res['throughput'])
        lines += ['## Keep-alive throughput and latency (GET /api/v1/celery/workers/status)', '',
                  *table, '', *ratio_lines(summary), '']
        lines += ['## Targets', '', *targets_lines(summary, res), '']
    if res.get('c1000'):
        lines += ['## c = 1000 connections', '', '| target | req/s | p99 ms | p99.9 ms | '
                  'errors (connect/read/write/status/timeout) | recovery s |', '|---|---|---|---|---|---|']
        for r in res['c1000']:
            lines.append(f'| {r["target"]} | {fmt(r["rps"])} | {us_ms(r["p99_us"])} | '
                         f'{us_ms(r["p999_us"])} | {r["errors"]} ({r["connect"]}/{r["read"]}/'
                         f'{r["write"]}/{r["status"]}/{r["timeout"]}) | {fmt(r.get("recovery_s"), 1)} |')
        lines.append('')
    if res.get('cold'):
        lines += ['## Cold-key MISS (POST invalidate, then one GET; client-side)', '',
                  '| target | view | n | p50 ms | p90 ms | max ms | X-Cache | status |',
                  '|---|---|---|---|---|---|---|---|']
        for r in res['cold']:
            lines.append(f'| {r["target"]} | {r.get("view", "workers/status")} | {r["n"]} | {fmt(r.get("p50_ms"), 2)} | '
                         f'{fmt(r.get("p90_ms"), 2)} | {fmt(r.get("max_ms"), 2)} | '
                         f'{r["x_cache"]} | {r["status"]} |')
        lines.append('')
    if res.get('collection'):
        lines += ['## Collection latency (sequential GET ?use_cache=false)', '',
                  '| target | workers | n | p50 ms | p90 ms | max ms | workers in body | X-Cache |',
                  '|---|---|---|---|---|---|---|---|']
        for r in res['collection']:
            lines.append(f'| {r["target"]} | {r["workers"]} | {r["n"]} | {fmt(r.get("p50_ms"), 2)}'
                         f' | {fmt(r.get("p90_ms"), 2)} | {fmt(r.get("max_ms"), 2)} | '
                         f'{r["workers_in_body"]} | {r["x_cache"]} |')
        lines.append('')
    if res.get('shielding'):
        lines += ['## Broker shielding (N pollers × {workers, queues, summary} every 1 s)', '',
                  '| target | N | responses/s | broker cmds/s | pidbox broadcasts/s | PUBLISH/s | '
                  'poll p50 ms | poll p99 ms | errors | X-Cache | top commands/s |',
                  '|---|---|---|---|---|---|---|---|---|---|---|']
        for r in res['shielding']:
            lines.append(f'| {r["target"]} | {r["pollers"]} | {fmt(r["responses_per_s"], 1)} | '
                         f'{fmt(r["broker_cmds_per_s"], 1)} | {fmt(r["pidbox_broadcasts_per_s"], 2)}'
                         f' | {fmt(r["publish_per_s"], 2)} | {fmt(r["p50_ms"], 2)} | '
                         f'{fmt(r["p99_ms"], 2)} | {r["errors"] + r["non2xx"]} | {r["x_cache"]} | '
                         f'{r["top_commands"]} |')
        lines.append('')
    if res.get('taskids'):
        t = res['taskids']
        lines += ['## Distinct task ids', '',
                  f'{t["lookups"]} lookups of distinct `/tasks/<id>` at {fmt(t["rps"])} req/s '
                  f'(median), worst p99 {us_ms(t["p99_us"])} ms, errors {t["errors"]}; '
                  f'task_status size {t["task_status_size"]}/{t["task_status_max"]}, '
                  f'evictions {t["evictions"]}.', '']
    if res.get('memory'):
        lines += ['## Resident memory (VmRSS)', '',
                  '| when | queuemond MiB | original MiB | original-hit MiB |', '|---|---|---|---|']
        mib = lambda k: fmt(k / 1024 if k else None, 1)
        for r in res['memory']:
            lines.append(f'| {r["when"]} | {mib(r.get("queuemond_rss_kib"))} | '
                         f'{mib(r.get("original_rss_kib"))} | {mib(r.get("original-hit_rss_kib"))} |')
        lines.append('')
    return '\n'.join(lines) + '\n'
