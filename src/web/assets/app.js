// otelacct live top-talkers page. Plain browser JavaScript: no build step, no dependencies.
// Data: GET api/live (server-sent events: one `snapshot`, then one `slot` per second), see
// src/web/live-page.ts. Slots carry bytes and bit/s per host and pair for one interval.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const state = {
    meta: null, health: null, slots: [], source: null, paused: false, pending: 0,
    filter: new URLSearchParams(location.search).get('filter') || '',
    sort: { hosts: { key: 'total', dir: 'desc' }, pairs: { key: 'total', dir: 'desc' } },
  };

  // ---- formatting ----
  const PREFIX = ['', 'k', 'M', 'G', 'T', 'P'];
  function si(v, unit) {
    let i = 0;
    while (Math.abs(v) >= 1000 && i < PREFIX.length - 1) { v /= 1000; i++; }
    const n = i === 0 ? String(Math.round(v)) : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0);
    return `${n} ${PREFIX[i]}${unit}`;
  }
  const bits = (bps) => si(bps, 'bit/s');
  const bytes = (b) => si(b, 'B');
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const clock = (ms) => new Date(ms).toLocaleTimeString();
  const duration = (s) => (s >= 90 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);
  /** Sort key of an address: IPv4 octets zero-padded so that 10.0.0.9 < 10.0.0.10. */
  const addrKey = (a) => (/^\d+\.\d+\.\d+\.\d+$/.test(a) ? a.split('.').map((o) => o.padStart(3, '0')).join('.') : `~${a}`);

  // ---- connection ----
  function connect() {
    if (state.source) state.source.close();
    const q = state.filter ? `?filter=${encodeURIComponent(state.filter)}` : '';
    const es = new EventSource(`api/live${q}`);
    state.source = es;
    setConn('Connecting…');
    es.addEventListener('snapshot', (e) => {
      const s = JSON.parse(e.data);
      state.meta = s.meta;
      state.health = s.health;
      state.slots = s.slots;
      state.pending = 0;
      setConn();
      render();
    });
    es.addEventListener('slot', (e) => {
      const slot = JSON.parse(e.data);
      state.slots.push(slot);
      state.health = slot.health;
      prune();
      if (state.paused) { state.pending++; setConn(); } else render();
    });
    es.addEventListener('error', () => setConn(es.readyState === EventSource.CLOSED ? 'Disconnected: reload the page' : 'Connection lost, reconnecting…'));
  }

  function setConn(problem) {
    // #conn is a live region: it changes only with the state; the waiting count is beside it.
    let text = problem || (state.paused ? 'Paused' : 'Live');
    $('pending').textContent = state.paused ? `· ${state.pending} update${state.pending === 1 ? '' : 's'} waiting` : '';
    if (!problem && state.meta && state.meta.filter) text += ` · filter: ${state.meta.filterDescription}`;
    const conn = $('conn');
    if (conn.textContent !== text) conn.textContent = text;
    conn.className = problem ? 'bad' : state.paused ? 'warn' : 'ok';
  }

  function prune() {
    if (!state.meta || state.slots.length === 0) return;
    const oldest = state.slots[state.slots.length - 1].end - state.meta.windowSeconds * 1000;
    while (state.slots.length > 0 && state.slots[0].end <= oldest) state.slots.shift();
  }

  // ---- rows over the window ----
  function slotMap(slot, list, key) {
    if (!slot[`_${list}`]) slot[`_${list}`] = new Map(slot[list].map((x) => [key(x), x]));
    return slot[`_${list}`];
  }
  const pairKey = (p) => `${p.a} ${p.b}`;

  function hostRows() {
    const rows = new Map();
    for (const s of state.slots) {
      for (const h of s.hosts) {
        let r = rows.get(h.host);
        if (!r) rows.set(h.host, (r = { host: h.host, in: 0, out: 0, total: 0, win: 0 }));
        r.win += h.inBytes + h.outBytes;
      }
    }
    const last = state.slots[state.slots.length - 1];
    if (last) {
      for (const h of last.hosts) Object.assign(rows.get(h.host), { in: h.inBps, out: h.outBps, total: h.inBps + h.outBps });
    }
    return sorted([...rows.values()], state.sort.hosts, 'host');
  }

  function pairRows() {
    const rows = new Map();
    for (const s of state.slots) {
      for (const p of s.pairs) {
        let r = rows.get(pairKey(p));
        if (!r) rows.set(pairKey(p), (r = { a: p.a, b: p.b, ab: 0, ba: 0, total: 0, win: 0 }));
        r.win += p.abBytes + p.baBytes;
      }
    }
    const last = state.slots[state.slots.length - 1];
    if (last) {
      for (const p of last.pairs) Object.assign(rows.get(pairKey(p)), { ab: p.abBps, ba: p.baBps, total: p.abBps + p.baBps });
    }
    return sorted([...rows.values()], state.sort.pairs, 'a');
  }

  function sorted(rows, sort, textKey) {
    const sign = sort.dir === 'asc' ? 1 : -1;
    const text = sort.key === 'host' || sort.key === 'a' || sort.key === 'b';
    rows.sort((x, y) => {
      const c = text ? (addrKey(x[sort.key]) < addrKey(y[sort.key]) ? -1 : 1) : x[sort.key] - y[sort.key];
      return sign * c || y.win - x.win || (addrKey(x[textKey]) < addrKey(y[textKey]) ? -1 : 1);
    });
    return rows.slice(0, state.meta.topN);
  }

  // ---- sparkline: bit/s in and out per slot, as steps over the window ----
  function sparkline(host) {
    const W = 120, H = 28;
    const last = state.slots[state.slots.length - 1];
    const first = state.slots[0];
    // The x axis covers the window, or less while the page has not seen a whole window yet.
    const start = Math.max(last.end - state.meta.windowSeconds * 1000, first.end - first.seconds * 1000);
    const span = Math.max(1, last.end - start);
    const points = state.slots.map((s) => {
      const h = slotMap(s, 'hosts', (x) => x.host).get(host);
      // Absent: zero if nothing was left out of that slot's list, else unknown (a gap).
      const known = h !== undefined || s.otherHosts.inBytes + s.otherHosts.outBytes === 0;
      return { from: Math.max(0, s.end - s.seconds * 1000 - start), to: s.end - start, known, in: h ? h.inBps : 0, out: h ? h.outBps : 0 };
    });
    const max = Math.max(1, ...points.map((p) => Math.max(p.in, p.out)));
    const path = (dir) => {
      let d = '';
      let prevTo = -1;
      for (const p of points) {
        if (!p.known) { prevTo = -1; continue; }
        const x0 = ((p.from / span) * W).toFixed(1), x1 = ((p.to / span) * W).toFixed(1);
        const y = (H - 2 - (p[dir] / max) * (H - 4)).toFixed(1);
        d += `${Math.abs(prevTo - p.from) < 1 ? 'L' : 'M'}${x0} ${y}L${x1} ${y}`;
        prevTo = p.to;
      }
      return d;
    };
    const peak = (dir) => bits(Math.max(0, ...points.map((p) => p[dir])));
    const label = `peak in ${peak('in')}, peak out ${peak('out')} over the last ${duration(span / 1000)}`;
    return `<svg class="spark" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${esc(label)}">`
      + `<path class="in" d="${path('in')}"/><path class="out" d="${path('out')}"/></svg>`;
  }

  // ---- rendering ----
  const num = (v, text, cls = '') => `<td class="num ${cls}" data-value="${v}">${esc(text)}</td>`;

  function render() {
    if (!state.meta) return;
    const last = state.slots[state.slots.length - 1];
    $('version').textContent = `otelacct ${state.meta.version}`;
    $('metrics-link').setAttribute('href', state.meta.metricsPath.replace(/^\//, ''));
    $('metrics-link').textContent = state.meta.metricsPath;
    $('hosts-note').textContent = state.meta.note;
    for (const b of document.querySelectorAll('th[data-key="win"] button')) b.textContent = `Last ${duration(state.meta.windowSeconds)}`;
    const updated = $('updated');
    updated.textContent = last ? `updated ${clock(last.end)}` : 'no data yet';
    updated.dataset.end = last ? String(last.end) : '';
    $('interval').textContent = last ? `(last ${last.seconds.toFixed(1)} s)` : '';
    renderTotals(last);
    renderHealth();
    const hosts = hostRows();
    $('hosts').tBodies[0].innerHTML = hosts.length === 0 ? empty(6) : hosts.map((r) => `<tr data-host="${esc(r.host)}">`
      + `<th scope="row">${esc(r.host)}</th>${num(r.in, bits(r.in), 'in')}${num(r.out, bits(r.out), 'out')}`
      + `${num(r.total, bits(r.total), 'opt')}${num(r.win, bytes(r.win), 'opt')}<td>${sparkline(r.host)}</td></tr>`).join('');
    const pairs = pairRows();
    $('pairs').tBodies[0].innerHTML = pairs.length === 0 ? empty(6) : pairs.map((r) => `<tr data-pair="${esc(`${r.a} ${r.b}`)}">`
      + `<th scope="row">${esc(r.a)}</th><td>${esc(r.b)}</td>${num(r.ab, bits(r.ab), 'opt')}${num(r.ba, bits(r.ba), 'opt')}`
      + `${num(r.total, bits(r.total))}${num(r.win, bytes(r.win), 'opt')}</tr>`).join('');
  }

  function empty(cols) {
    const why = state.meta.filter ? `No host matching ${state.meta.filterDescription}` : 'No traffic';
    return `<tr><td colspan="${cols}" class="empty">${esc(why)} in the last ${duration(state.meta.windowSeconds)}.</td></tr>`;
  }

  function renderTotals(last) {
    const card = (id, label, value, text, sub = '') => `<div id="${id}"><dt>${esc(label)}</dt><dd data-value="${value}">${esc(text)}`
      + `${sub && `<span class="sub">${esc(sub)}</span>`}</dd></div>`;
    const bps = last ? last.bps : 0;
    let html = card('t-total', 'Total', bps, bits(bps)) + card('t-pps', 'Packets', last ? last.pps : 0, si(last ? last.pps : 0, 'pkt/s'));
    const d = last && last.directions;
    const split = $('split');
    if (d) {
      const rate = (b) => Math.round((b * 8) / last.seconds);
      const parts = [['in', 'In', d.receive], ['out', 'Out', d.transmit], ['internal', 'Internal', d.internal], ['transit', 'Transit', d.transit]];
      for (const [cls, label, b] of parts) html += card(`t-${cls}`, label, rate(b), bits(rate(b)));
      const sum = d.receive + d.transmit + d.internal + d.transit;
      // Widths through the CSSOM: the page's CSP allows no inline style attributes.
      split.replaceChildren(...(sum === 0 ? [] : parts.map(([cls, , b]) => {
        const span = document.createElement('span');
        span.className = cls;
        span.style.width = `${((b / sum) * 100).toFixed(2)}%`;
        return span;
      })));
    } else {
      split.replaceChildren();
    }
    const h = state.health;
    html += card('t-since', 'Since start', h.bytes, bytes(h.bytes), si(h.packets, 'packets'));
    $('totals').innerHTML = html;
  }

  function renderHealth() {
    const h = state.health;
    const first = state.slots.length > 0 ? state.slots[0].health : h;
    const grew = (k) => h[k] !== null && first[k] !== null && h[k] > first[k];
    const badge = (level, text, title) => `<li class="${level}" title="${esc(title)}"><span aria-hidden="true">${level === 'ok' ? '✓' : level === 'warn' ? '!' : '✕'}</span> ${esc(text)}</li>`;
    const count = (k) => Math.round(h[k]).toLocaleString();
    const items = [];
    if (h.interfacesDown?.length) items.push(badge('bad', `Interface down: ${h.interfacesDown.join(', ')}`, 'Not capturing on these interfaces (lost or down): their traffic is not counted. otelacct reopens them when they return.'));
    items.push(h.kernelDrops === null
      ? badge('ok', 'Kernel drops: n/a', 'Not a live capture, or drop counts unavailable')
      : badge(grew('kernelDrops') ? 'bad' : h.kernelDrops > 0 ? 'warn' : 'ok', `Kernel drops: ${count('kernelDrops')}`, 'Packets the kernel dropped (capture buffer full), since start'));
    items.push(badge(grew('decodeErrors') ? 'warn' : 'ok', `Decode errors: ${count('decodeErrors')}`, 'Frames not counted (not IP, truncated, ...), since start'));
    items.push(badge(grew('flowTableOverflow') ? 'warn' : 'ok', `Flow table full: ${count('flowTableOverflow')} pkts`, 'Packets counted in the overflow series because a flow table was full, since start'));
    items.push(badge(h.seriesOverflowed > 0 ? 'warn' : 'ok', `Series overflow: ${count('seriesOverflowed')}`, 'Keys folded into the overflow series by the cardinality limit'));
    items.push(h.exportFailures === null
      ? badge('ok', 'OTLP: off', 'No OTLP endpoint configured')
      : badge(grew('exportFailures') ? 'bad' : h.exportFailures > 0 ? 'warn' : 'ok', h.exportFailures > 0 ? `OTLP: ${count('exportFailures')} failed` : 'OTLP: ok', 'OTLP pushes that failed, since start'));
    if (h.samplingRate > 1) items.push(badge('warn', `Sampling 1 in ${h.samplingRate}`, 'Counts are scaled by the sampling rate'));
    $('health').innerHTML = items.join('');
  }

  // ---- controls ----
  function setupSort(tableId, which) {
    const table = $(tableId);
    table.tHead.addEventListener('click', (e) => {
      const th = e.target.closest('th[data-key]');
      if (!th) return;
      const sort = state.sort[which];
      const key = th.dataset.key;
      const text = key === 'host' || key === 'a' || key === 'b';
      sort.dir = sort.key === key ? (sort.dir === 'asc' ? 'desc' : 'asc') : text ? 'asc' : 'desc';
      sort.key = key;
      for (const h of table.tHead.querySelectorAll('th[data-key]')) {
        if (h === th) h.setAttribute('aria-sort', sort.dir === 'asc' ? 'ascending' : 'descending');
        else h.removeAttribute('aria-sort');
      }
      render();
    });
  }

  function setPaused(paused) {
    state.paused = paused;
    const b = $('pause');
    b.setAttribute('aria-pressed', String(paused));
    b.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) { state.pending = 0; render(); }
    setConn();
  }

  function applyFilter(text) {
    state.filter = text.trim();
    $('filter').value = state.filter;
    $('clear').hidden = state.filter === '';
    history.replaceState(null, '', state.filter ? `?filter=${encodeURIComponent(state.filter)}` : location.pathname);
    connect();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('filter').value = state.filter;
    $('clear').hidden = state.filter === '';
    $('controls').addEventListener('submit', (e) => { e.preventDefault(); applyFilter($('filter').value); });
    $('clear').addEventListener('click', () => { applyFilter(''); $('filter').focus(); });
    $('pause').addEventListener('click', () => setPaused(!state.paused));
    setupSort('hosts', 'hosts');
    setupSort('pairs', 'pairs');
    document.addEventListener('keydown', (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest('input, textarea, select')) return;
      if (e.key === '/') { e.preventDefault(); $('filter').focus(); }
      if (e.key === 'p') setPaused(!state.paused);
    });
    connect();
  });
})();
