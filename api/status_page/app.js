// queuemon status page. Plain JavaScript, no framework, no build step: it polls queuemond's
// public JSON API (the cached views, with If-None-Match so an unchanged view costs a 304) and
// renders what any client of the API gets. Text from the API is only ever set as textContent.
'use strict';
(() => {
  // The views each kind's panels read (the index names every source's kind).
  const COMMON_VIEWS = ['workers/status', 'queues/status', 'health', 'cache/stats'];
  const CELERY_VIEWS = [...COMMON_VIEWS, 'tasks/stats', 'tasks/recent?state=FAILURE&limit=8'];
  const JOB_VIEWS = [...COMMON_VIEWS, 'tasks/status'];  // RQ, Sidekiq: jobs by state, running jobs
  const viewsOf = (source) => (state.kinds.get(source) || 'celery') === 'celery' ? CELERY_VIEWS : JOB_VIEWS;
  const METRICS_EVERY_MS = 15000;   // task rates come from /metrics counters, sampled this often
  const TREND_MS = 10 * 60 * 1000;  // queue depth trend kept in the page
  const HIDDEN_INTERVAL_S = 30;     // a background tab polls this slowly

  const state = {
    interval: 2,
    sources: [],
    kinds: new Map(),   // source -> kind ("celery", "rq", "sidekiq")
    views: new Map(),   // url -> {status, xcache, age, fetched, etag, data, error}
    depth: new Map(),   // source/queue -> [[ms, messages], ...]
    counters: new Map(),  // source -> [[ms, received, succeeded, failed], ...]
    lastMetrics: 0,
    daemonDown: false,
    loop: 0,            // generation of the polling loop: a restart ends the older one
  };
  // What the page costs the server, for the README's figures and the browser test.
  const stats = {requests: 0, notModified: 0, failed: 0, bytes: 0, since: Date.now(), renders: 0};
  window.queuemonStats = stats;

  // ---- fetching ---------------------------------------------------------------------------

  async function fetchView(url) {
    const known = state.views.get(url) || {};
    const headers = {Accept: 'application/json'};
    if (known.etag) headers['If-None-Match'] = known.etag;
    stats.requests++;
    let response;
    try {
      response = await fetch(url, {headers, cache: 'no-store'});
    } catch (e) {
      stats.failed++;
      const view = Object.assign({}, known, {status: 0, error: 'queuemond not answering'});
      state.views.set(url, view);
      return view;
    }
    const view = {
      status: response.status,
      xcache: response.headers.get('X-Cache') || '',
      age: Number(response.headers.get('Age') || 0),
      fetched: Date.now(),
      etag: known.etag || null,
      data: known.data || null,
      error: null,
    };
    if (response.status === 304) {
      stats.notModified++;
    } else {
      const text = await response.text();
      stats.bytes += text.length;
      let body = null;
      try { body = JSON.parse(text); } catch (e) { body = null; }
      // /health answers 503 with its body when the broker is unreachable: still data.
      if (body && (response.ok || (response.status === 503 && body.status))) {
        view.data = body;
        view.etag = response.headers.get('ETag');
      } else {
        view.error = (body && (body.detail || body.error)) || ('HTTP ' + response.status);
      }
    }
    state.views.set(url, view);
    return view;
  }

  async function discoverSources() {
    const index = await fetchView('/api/v1');
    const names = new Set();
    for (const pattern of (index.data && index.data.endpoints) || []) {
      const match = /^\/api\/v1\/([^/]+)\/workers\/status$/.exec(pattern);
      if (match) names.add(match[1]);
    }
    for (const source of (index.data && index.data.sources) || []) state.kinds.set(source.name, source.kind);
    state.sources = [...names];
  }

  // Sums the task counters of each source from the Prometheus text (any metric prefix).
  async function sampleCounters() {
    let text;
    try {
      stats.requests++;
      const response = await fetch('/metrics', {cache: 'no-store', headers: {Accept: 'text/plain'}});
      if (!response.ok) return;
      text = await response.text();
      stats.bytes += text.length;
    } catch (e) {
      stats.failed++;
      return;
    }
    const now = Date.now();
    const sums = new Map();
    const line = /^[a-zA-Z_:][a-zA-Z0-9_:]*task_(received|succeeded|failed)_total\{([^}]*)\} (\S+)$/gm;
    for (const m of text.matchAll(line)) {
      const source = /(?:^|,)source="([^"]*)"/.exec(m[2]);
      if (!source) continue;
      const sum = sums.get(source[1]) || {received: 0, succeeded: 0, failed: 0};
      sum[m[1]] += Number(m[3]);
      sums.set(source[1], sum);
    }
    for (const [source, sum] of sums) {
      const samples = state.counters.get(source) || [];
      samples.push([now, sum.received, sum.succeeded, sum.failed]);
      while (samples.length > 2 && now - samples[1][0] > 60000) samples.shift();
      state.counters.set(source, samples);
    }
  }

  // ---- rendering helpers ------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key.startsWith('data-') || key === 'title' || key === 'href' || key === 'colspan') node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const num = (v, digits = 0) => (v === null || v === undefined || Number.isNaN(v)) ? '—'
      : Number(v).toLocaleString(undefined, {maximumFractionDigits: digits, minimumFractionDigits: digits});
  function seconds(s) {
    if (s === null || s === undefined || !Number.isFinite(s)) return '—';
    if (s < 1) return (s * 1000).toFixed(0) + ' ms';
    if (s < 90) return s.toFixed(s < 10 ? 1 : 0) + ' s';
    if (s < 5400) return (s / 60).toFixed(0) + ' min';
    return (s / 3600).toFixed(1) + ' h';
  }
  const ago = (unix) => unix ? seconds(Math.max(0, Date.now() / 1000 - unix)) + ' ago' : '—';
  function table(headers, rows, empty) {
    if (!rows.length) return el('div', {class: 'empty'}, empty);
    return el('div', {class: 'scroll'}, el('table', {},
        el('thead', {}, el('tr', {}, headers.map(([text, cls]) => el('th', {class: cls}, text)))),
        el('tbody', {}, rows)));
  }
  const wide = 'wide';  // a panel argument: the panel spans the row
  function panel(title, note, ...body) {
    const span = body[0] === wide;
    if (span) body.shift();
    return el('section', {class: span ? 'panel wide' : 'panel'},
        el('h3', {}, title, note ? el('span', {class: 'muted'}, note) : null), body);
  }
  function facts(pairs) {
    return el('dl', {class: 'facts'}, pairs.map(([k, v, attrs]) => el('div', attrs || {}, el('dt', {}, k), el('dd', {}, v))));
  }
  function trend(points) {
    if (points.length < 2) return null;
    const t0 = points[0][0], t1 = points[points.length - 1][0];
    const max = Math.max(1, ...points.map((p) => p[1]));
    const xy = points.map(([t, v]) => `${(100 * (t - t0) / Math.max(1, t1 - t0)).toFixed(1)},${(20 - 18 * v / max).toFixed(1)}`);
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('class', 'trend');
    svg.setAttribute('viewBox', '0 0 100 20');
    svg.setAttribute('preserveAspectRatio', 'none');
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    line.setAttribute('points', xy.join(' '));
    svg.append(line);
    const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
    title.textContent = `depth over the last ${seconds((t1 - t0) / 1000)}, max ${max}`;
    svg.append(title);
    return svg;
  }
  const viewOf = (source, path) => state.views.get(`/api/v1/${source}/${path}`) || {};
  const viewAge = (v) => v.fetched ? v.age + (Date.now() - v.fetched) / 1000 : null;

  // ---- panels -----------------------------------------------------------------------------

  function daemonPanel(source) {
    const health = viewOf(source, 'health').data;
    const cache = viewOf(source, 'cache/stats').data;
    const up = health ? health.broker_reachable : null;
    const ages = ['workers/status', 'queues/status', 'health'].map((p) => {
      const v = viewOf(source, p);
      return `${p.split('/')[0]} ${seconds(viewAge(v))}${v.xcache === 'STALE' ? ' (stale)' : ''}`;
    });
    return panel('Broker and daemon', null, facts([
      ['broker', el('span', {class: 'badge ' + (up === null ? 'unknown' : up ? 'up' : 'down'), 'data-broker': up === null ? 'unknown' : up ? 'up' : 'down'},
                    up === null ? 'unknown' : up ? 'up' : 'down')],
      ['round trip', up && health.broker_rtt_ms !== null ? num(health.broker_rtt_ms, 1) + ' ms' : '—'],
      ['workers answering', health ? num(health.workers_answering) : '—'],
      ['cache hit rate', cache ? num(cache.summary.overall_hit_rate_percent, 1) + ' %' : '—'],
      ['data age', ages.join(' · ')],
    ]));
  }

  function workersPanel(source) {
    const data = viewOf(source, 'workers/status').data;
    const workers = (data && data.workers) || [];
    const celery = viewsOf(source) === CELERY_VIEWS;
    // Celery workers report load and pool; RQ workers and Sidekiq processes a state and failures.
    const rows = workers.map((w) => el('tr', {class: w.status, 'data-hostname': w.hostname, 'data-status': w.status},
        el('td', {}, w.hostname),
        el('td', {class: 'state'}, el('span', {class: 'badge ' + w.status}, w.status)),
        el('td', {class: 'num'}, ago(w.last_heartbeat)),
        el('td', {class: 'num'}, num(w.active)),
        el('td', {class: 'num'}, num(w.processed)),
        celery ? el('td', {class: 'num'}, (w.loadavg || []).map((x) => num(x, 2)).join(' ') || '—')
               : el('td', {class: 'num'}, num(w.failed)),
        el('td', {}, (celery ? w.pool : w.state) || '—'),
        el('td', {class: 'num'}, num(w.concurrency))));
    const note = data ? `${num(data.online)} online, ${num(data.offline)} offline` : null;
    return panel('Workers', note, wide, table([['worker'], ['status'], ['last heartbeat', 'num'], ['active', 'num'],
        ['processed', 'num'], celery ? ['load 1/5/15 min', 'num'] : ['failed', 'num'], [celery ? 'pool' : 'state'],
        ['concurrency', 'num']], rows, 'no workers seen'));
  }

  function queuesPanel(source) {
    const data = viewOf(source, 'queues/status').data;
    const queues = (data && data.queues) || [];
    const now = Date.now();
    const rows = queues.map((q) => {
      const key = source + '/' + q.name;
      const points = (state.depth.get(key) || []).filter((p) => now - p[0] <= TREND_MS);
      const split = Object.entries(q.by_priority || {}).map(([p, n]) => `priority ${p}: ${n}`);
      const depth = split.length > 1
          ? el('details', {}, el('summary', {title: split.join('\n')}, num(q.messages)), el('div', {class: 'split'}, split.join(', ')))
          : el('span', {title: split.join('\n')}, num(q.messages));
      // Celery counts unacked messages; RQ and Sidekiq know the oldest waiting job's age.
      const third = 'oldest_job_age' in q
          ? el('td', {class: 'num', 'data-latency': q.oldest_job_age}, q.oldest_job_age ? seconds(q.oldest_job_age) : '—')
          : el('td', {class: 'num'}, num(q.unacked));
      return el('tr', {'data-queue': q.name, 'data-messages': q.messages},
          el('td', {}, q.name, q.paused ? el('span', {class: 'badge offline'}, 'paused') : null),
          el('td', {class: 'num'}, depth), third, el('td', {class: 'num'}, num(q.consumers)),
          el('td', {}, trend(points)));
    });
    const latency = queues.some((q) => 'oldest_job_age' in q);
    const note = !data ? null : latency ? `${num(data.total_messages)} jobs waiting` : `${num(data.total_messages)} messages, ${num(data.unacked_total)} unacked`;
    return panel('Queues', note, table([['queue'], ['messages', 'num'], latency ? ['oldest waiting', 'num'] : ['unacked', 'num'],
        ['consumers', 'num'], ['last 10 min']], rows, 'no queues'));
  }

  function tasksPanel(source) {
    const statsView = viewOf(source, 'tasks/stats');
    if (statsView.error && !statsView.data) return panel('Tasks', null, el('div', {class: 'empty'}, 'no task events: ' + statsView.error));
    const data = statsView.data;
    const names = (data && data.tasks) || [];
    const samples = state.counters.get(source) || [];
    const perMinute = (i) => {
      if (samples.length < 2) return '—';
      const first = samples[0], last = samples[samples.length - 1];
      return num(60000 * (last[i] - first[i]) / Math.max(1, last[0] - first[0]), 1);
    };
    let ok = 0, failed = 0;
    for (const t of names) { ok += t.succeeded; failed += t.failed; }
    const window = data ? seconds(data.window_seconds) : '—';
    const slowest = names.filter((t) => t.runtime_p95 !== null && t.runtime_p95 !== undefined)
        .sort((a, b) => b.runtime_p95 - a.runtime_p95).slice(0, 5)
        .map((t) => el('tr', {}, el('td', {class: 'wrap'}, t.name), el('td', {class: 'num'}, seconds(t.runtime_p95)),
            el('td', {class: 'num'}, seconds(t.runtime_p50)), el('td', {class: 'num'}, num(t.succeeded + t.failed))));
    return panel('Tasks', `rates over the last minute; failure rate and runtimes over ${window}`,
        facts([['received / min', perMinute(1), {'data-rate': 'received'}],
               ['succeeded / min', perMinute(2), {'data-rate': 'succeeded'}],
               ['failed / min', perMinute(3), {'data-rate': 'failed'}],
               ['failure rate', ok + failed ? num(100 * failed / (ok + failed), 1) + ' %' : '—']]),
        el('h3', {}, 'Slowest (p95 runtime)'),
        table([['task'], ['p95', 'num'], ['p50', 'num'], ['finished', 'num']], slowest, 'no finished tasks in the window'));
  }

  function failuresPanel(source) {
    const view = viewOf(source, 'tasks/recent?state=FAILURE&limit=8');
    const tasks = (view.data && view.data.tasks) || [];
    const rows = tasks.map((t) => el('tr', {'data-task': t.id},
        el('td', {}, el('a', {href: `/api/v1/${encodeURIComponent(source)}/tasks/${encodeURIComponent(t.id)}`, title: t.id}, t.id.slice(0, 8))),
        el('td', {class: 'wrap'}, t.name),
        el('td', {class: 'wrap', title: t.traceback || ''}, t.exception || '—'),
        el('td', {}, t.worker || '—'),
        el('td', {class: 'num'}, ago(t.times && (t.times.failed || t.updated)))));
    return panel('Recent failures', view.data ? `${num(view.data.total)} in the task table` : null,
        table([['task'], ['name'], ['exception'], ['worker'], ['when', 'num']], rows, 'no failures'));
  }

  // RQ and Sidekiq: jobs by state (their registries and sets), and the jobs running now.
  function jobsPanel(source) {
    const view = viewOf(source, 'tasks/status');
    const data = view.data;
    if (view.error && !data) return panel('Jobs', null, el('div', {class: 'empty'}, view.error));
    const counts = Object.entries((data && data.jobs) || {}).map(([name, n]) => [name, num(n), {'data-jobs': name}]);
    const rows = ((data && data.running) || []).map((j) => el('tr', {'data-job': j.id},
        el('td', {}, el('a', {href: `/api/v1/${encodeURIComponent(source)}/tasks/${encodeURIComponent(j.id)}`, title: j.id}, j.id.slice(0, 8))),
        el('td', {class: 'wrap'}, j.name || '—'), el('td', {}, j.queue || '—'), el('td', {}, j.worker),
        el('td', {class: 'num'}, ago(j.started_at))));
    return panel('Jobs', 'by state, and running now', wide, facts(counts),
        table([['job'], ['name'], ['queue'], ['worker'], ['started', 'num']], rows, 'no job running'));
  }

  // ---- the page ---------------------------------------------------------------------------

  function recordTrends(source) {
    const data = viewOf(source, 'queues/status').data;
    if (!data) return;
    const now = Date.now();
    for (const q of data.queues || []) {
      const key = source + '/' + q.name;
      const points = state.depth.get(key) || [];
      if (!points.length || now - points[points.length - 1][0] >= 1000) points.push([now, q.messages]);
      while (points.length && now - points[0][0] > TREND_MS) points.shift();
      state.depth.set(key, points);
    }
  }

  function banner() {
    const node = document.getElementById('banner');
    const problems = [], stale = [];
    if (state.daemonDown) problems.push('queuemond is not answering: the page shows the last data it got.');
    for (const source of state.sources) {
      const health = viewOf(source, 'health');
      if (health.data && health.data.broker_reachable === false) {
        problems.push(`${source}: broker unreachable (${health.data.status}); views are stale or failing.`);
      }
      for (const path of ['workers/status', 'queues/status']) {
        const v = viewOf(source, path);
        if (v.xcache === 'STALE') stale.push(`${source} ${path.split('/')[0]} (collected ${seconds(viewAge(v))} ago)`);
        else if (v.error && v.status >= 500) problems.push(`${source} ${path.split('/')[0]}: ${v.error}`);
      }
    }
    if (!problems.length && stale.length) problems.push('Stale data, the broker is not answering: ' + stale.join(', '));
    node.hidden = !problems.length;
    node.className = problems.length && !state.daemonDown && !problems.some((p) => p.includes('unreachable')) ? 'stale' : '';
    node.setAttribute('data-state', problems.length ? (node.className || 'down') : 'ok');
    node.textContent = problems.join(' ');
  }

  function render() {
    const main = document.getElementById('sources');
    const sections = state.sources.map((source) => {
      const kind = state.kinds.get(source) || 'celery', celery = kind === 'celery';
      const work = celery ? [tasksPanel(source), failuresPanel(source)] : [jobsPanel(source)];
      return el('section', {class: 'source', 'data-source': source, 'data-kind': kind},
          el('h2', {}, source, ' ', el('span', {class: 'muted'}, kind)), daemonPanel(source), workersPanel(source),
          queuesPanel(source), ...work);
    });
    main.replaceChildren(...sections);
    banner();
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    stats.renders++;
  }

  async function tick(loop) {
    if (loop !== state.loop) return;
    try {
      if (!state.sources.length) await discoverSources();
      const urls = state.sources.flatMap((s) => viewsOf(s).map((v) => `/api/v1/${s}/${v}`));
      const views = await Promise.all(urls.map(fetchView));
      state.daemonDown = views.length > 0 && views.every((v) => v.status === 0);
      if (Date.now() - state.lastMetrics >= METRICS_EVERY_MS) {
        state.lastMetrics = Date.now();
        await sampleCounters();
      }
      state.sources.forEach(recordTrends);
      render();
    } catch (e) {
      state.daemonDown = true;
      banner();
    }
    if (loop !== state.loop) return;  // restarted while this round was fetching
    const every = document.hidden ? Math.max(HIDDEN_INTERVAL_S, state.interval) : state.interval;
    state.timer = setTimeout(() => tick(loop), every * 1000);
  }

  function restart() {
    clearTimeout(state.timer);
    state.loop++;
    tick(state.loop);
  }

  function setUp() {
    const select = document.getElementById('interval');
    const asked = Math.min(3600, Math.max(1, Math.round(
        Number(new URLSearchParams(location.search).get('interval') || localStorage.getItem('queuemon.interval')) || 2)));
    if (asked !== state.interval) {
      state.interval = asked;
      if (![...select.options].some((o) => Number(o.value) === asked)) select.append(el('option', {value: asked}, asked + ' s'));
      select.value = String(asked);
    }
    select.addEventListener('change', () => {
      state.interval = Number(select.value);
      localStorage.setItem('queuemon.interval', select.value);
      restart();
    });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) restart();
    });
    restart();
  }

  setUp();
})();
