// otelacct live top-talkers page. Plain browser ES modules: no build step, no dependencies.
// Data: GET api/live (server-sent events: one `snapshot`, then one `slot` per second), see
// src/web/live-page.ts. Slots carry bytes and bit/s per host, pair, remote talker and service.
import { averages, grafanaLink, si } from './rates.js';
import { sparkline, totalChart } from './chart.js';
import { hostRows, pairRows, remoteRows, serviceRows, sorted } from './tables.js';

const $ = (id) => document.getElementById(id);
const state = {
  meta: null, health: null, slots: [], names: new Map(), source: null, paused: false, pending: 0,
  filter: new URLSearchParams(location.search).get('filter') || '',
  sort: {
    hosts: { key: 'total', dir: 'desc' }, pairs: { key: 'total', dir: 'desc' },
    remotes: { key: 'total', dir: 'desc' }, services: { key: 'total', dir: 'desc' },
  },
};
const TEXT_KEYS = ['host', 'a', 'b', 'remote', 'network', 'service'];

// ---- formatting ----
const bits = (bps) => si(bps, 'bit/s');
const bytes = (b) => si(b, 'B');
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const clock = (ms) => new Date(ms).toLocaleTimeString();
const duration = (s) => (s >= 90 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);

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
    state.names = new Map();
    for (const slot of s.slots) learnNames(slot);
    state.pending = 0;
    setConn();
    render();
  });
  es.addEventListener('slot', (e) => {
    const slot = JSON.parse(e.data);
    state.slots.push(slot);
    state.health = slot.health;
    learnNames(slot);
    prune();
    if (state.paused) { state.pending++; setConn(); } else render();
  });
  es.addEventListener('error', () => setConn(es.readyState === EventSource.CLOSED ? 'Disconnected: reload the page' : 'Connection lost, reconnecting…'));
}

function learnNames(slot) {
  for (const [address, name] of Object.entries(slot.names ?? {})) state.names.set(address, name);
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

// ---- cells ----
const num = (col, v, text, cls = '') => `<td class="num ${cls}" data-col="${col}" data-value="${v}">${esc(text)}</td>`;
const avgCells = (r, cls = 'opt') => num('a2', r.a2, bits(r.a2), cls) + num('a10', r.a10, bits(r.a10), 'opt') + num('a40', r.a40, bits(r.a40), 'opt') + num('peak', r.peak, bits(r.peak), 'opt');
const nameOf = (address) => state.names.get(address);

/** An address (or prefix) that filters the page when clicked, with its DNS name and, for hosts, its Grafana link. */
function pick(address, { graph = false } = {}) {
  const name = nameOf(address);
  const link = graph ? grafanaLink(state.meta.grafanaUrl, address) : '';
  return `<button type="button" class="pick" data-filter="${esc(address)}" aria-label="Filter by ${esc(address)}${name ? ` (${esc(name)})` : ''}">${esc(address)}</button>`
    + `${name ? `<span class="name">${esc(name)}</span>` : ''}`
    + `${link ? ` <a class="graph" href="${esc(link)}" target="_blank" rel="noopener noreferrer" aria-label="Grafana graph of ${esc(address)}">graph</a>` : ''}`;
}

const serviceList = (list) => `<td class="services opt">${esc(list.join(', '))}</td>`;

function empty(cols, what = 'No host matching') {
  const why = state.meta.filter ? `${what} ${state.meta.filterDescription}` : 'No traffic';
  return `<tr><td colspan="${cols}" class="empty">${esc(why)} in the last ${duration(state.meta.windowSeconds)}.</td></tr>`;
}

// ---- rendering ----
function render() {
  if (!state.meta) return;
  const m = state.meta;
  const last = state.slots[state.slots.length - 1];
  $('version').textContent = `otelacct ${m.version}`;
  $('metrics-link').setAttribute('href', m.metricsPath.replace(/^\//, ''));
  $('metrics-link').textContent = m.metricsPath;
  $('hosts-note').textContent = m.note;
  $('remotes-note').textContent = m.remotesNote + (m.reverseDns ? ' Names from reverse DNS (web.reverseDns).' : '');
  $('services-note').textContent = m.servicesNote;
  // Per-row services only where the hosts' or pairs' aggregation keeps ports.
  document.body.classList.toggle('no-row-services', !/; per (host|pair)/.test(m.servicesNote));
  for (const b of document.querySelectorAll('th[data-key="win"] button')) b.textContent = `Last ${duration(m.windowSeconds)}`;
  const updated = $('updated');
  updated.textContent = last ? `updated ${clock(last.end)}` : 'no data yet';
  updated.dataset.end = last ? String(last.end) : '';
  $('interval').textContent = last ? `(last ${last.seconds.toFixed(1)} s)` : '';
  renderTotals(last);
  renderChart();
  renderHealth();
  renderHosts();
  renderPairs();
  renderRemotes();
  renderServices(last);
}

function renderHosts() {
  const rows = sorted(hostRows(state.slots), state.sort.hosts, 'host', TEXT_KEYS, state.meta.topN);
  $('hosts').tBodies[0].innerHTML = rows.length === 0 ? empty(11) : rows.map((r) => `<tr data-host="${esc(r.host)}">`
    + `<th scope="row">${pick(r.host, { graph: true })}</th>${num('in', r.in, bits(r.in), 'in')}${num('out', r.out, bits(r.out), 'out')}`
    + `${num('total', r.total, bits(r.total), 'opt')}${avgCells(r)}${num('win', r.win, bytes(r.win), 'opt')}${serviceList(r.services)}`
    + `<td>${hostSpark(r.host)}</td></tr>`).join('');
}

function renderPairs() {
  const rows = sorted(pairRows(state.slots), state.sort.pairs, 'a', TEXT_KEYS, state.meta.topN);
  $('pairs').tBodies[0].innerHTML = rows.length === 0 ? empty(11) : rows.map((r) => `<tr data-pair="${esc(`${r.a} ${r.b}`)}">`
    + `<th scope="row">${pick(r.a)}</th><td class="addr">${pick(r.b)}</td>${num('ab', r.ab, bits(r.ab), 'opt')}${num('ba', r.ba, bits(r.ba), 'opt')}`
    + `${num('total', r.total, bits(r.total))}${avgCells(r)}${num('win', r.win, bytes(r.win), 'opt')}${serviceList(r.services)}</tr>`).join('');
}

function renderRemotes() {
  const section = $('remotes-section');
  const rows = sorted(remoteRows(state.slots), state.sort.remotes, 'remote', TEXT_KEYS, state.meta.topN);
  $('remotes').hidden = state.meta.remotesNote.startsWith('No ');
  section.dataset.rows = String(rows.length);
  $('remotes').tBodies[0].innerHTML = rows.length === 0 ? empty(10, 'No remote talker matching') : rows.map((r) => `<tr data-remote="${esc(r.remote)}">`
    + `<th scope="row">${pick(r.remote)}</th><td class="network">${esc(r.network)}</td>${num('in', r.in, bits(r.in), 'in')}${num('out', r.out, bits(r.out), 'out')}`
    + `${num('total', r.total, bits(r.total), 'opt')}${avgCells(r)}${num('win', r.win, bytes(r.win), 'opt')}</tr>`).join('');
}

function renderServices(last) {
  const table = $('services');
  table.hidden = !last || last.services === null;
  if (table.hidden) return;
  const rows = sorted(serviceRows(state.slots), state.sort.services, 'service', TEXT_KEYS, state.meta.topN);
  table.tBodies[0].innerHTML = rows.length === 0 ? empty(8, 'No service of hosts matching') : rows.map((r) => `<tr data-service="${esc(r.service)}">`
    + `<th scope="row">${esc(r.service)}</th><td>${esc(r.port ? `${r.transport}/${r.port}` : r.transport)}</td>`
    + `${num('total', r.total, bits(r.total))}${avgCells(r)}${num('win', r.win, bytes(r.win), 'opt')}</tr>`).join('');
}

/** Per-slot in/out of the whole page, or of the filter's scope when one is set: bytes. */
function slotInOut(s) {
  if (s.scope) return { in: s.scope.inBytes, out: s.scope.outBytes };
  if (s.directions) return { in: s.directions.receive, out: s.directions.transmit };
  return { in: s.bytes, out: null };
}

function hostSpark(host) {
  const last = state.slots[state.slots.length - 1];
  const first = state.slots[0];
  const start = Math.max(last.end - state.meta.windowSeconds * 1000, first.end - first.seconds * 1000);
  const span = Math.max(1, last.end - start);
  const points = state.slots.map((s) => {
    const h = (s._hosts ?? new Map(s.hosts.map((x) => [x.host, x]))).get(host);
    // Absent: zero if nothing was left out of that slot's list, else unknown (a gap).
    const known = h !== undefined || s.otherHosts.inBytes + s.otherHosts.outBytes === 0;
    return { from: Math.max(start, s.end - s.seconds * 1000), to: s.end, known, in: h ? h.inBps : 0, out: h ? h.outBps : 0 };
  });
  const peak = (k) => bits(Math.max(0, ...points.map((p) => p[k])));
  return sparkline(points, start, span, `${host}: peak in ${peak('in')}, peak out ${peak('out')} over the last ${duration(span / 1000)}`);
}

function renderChart() {
  const fig = $('chart');
  const points = state.slots.map((s) => {
    const io = slotInOut(s);
    const rate = (b) => (b === null ? null : Math.round((b * 8) / s.seconds));
    return { from: s.end - s.seconds * 1000, to: s.end, in: rate(io.in), out: rate(io.out) };
  });
  if (points.length === 0) { fig.innerHTML = ''; return; }
  const single = points[0].out === null;
  const peakIn = Math.max(...points.map((p) => p.in));
  const peakOut = single ? 0 : Math.max(...points.map((p) => p.out));
  const what = state.meta.filter ? `of ${state.meta.filterDescription}` : 'of the meter';
  const label = single
    ? `Total traffic ${what} over the last ${duration(state.meta.windowSeconds)}: peak ${bits(peakIn)}`
    : `Traffic in and out ${what} over the last ${duration(state.meta.windowSeconds)}: peak in ${bits(peakIn)}, peak out ${bits(peakOut)}`;
  fig.innerHTML = totalChart(points, state.meta.windowSeconds * 1000, fig.clientWidth || 600, label)
    + `<figcaption class="muted">${esc(label)}${single ? ' (no direction: no accounting.localNetworks)' : ''}</figcaption>`;
}

function renderTotals(last) {
  const card = (id, label, value, text, sub = '') => `<div id="${id}"><dt>${esc(label)}</dt><dd data-value="${value}">${esc(text)}`
    + `${sub && `<span class="sub">${esc(sub)}</span>`}</dd></div>`;
  const rate = (b) => (last ? Math.round((b * 8) / last.seconds) : 0);
  const scope = last && last.scope;
  const d = last && last.directions;
  const totalOf = (s) => { const io = slotInOut(s); return s.scope ? io.in + io.out : s.bytes; };
  const avg = averages(state.slots, totalOf);
  const sub = `2 s ${bits(avg.avg[0])} · 10 s ${bits(avg.avg[1])} · 40 s ${bits(avg.avg[2])} · peak ${bits(avg.peak)}`;
  const total = scope ? scope.inBps + scope.outBps : last ? last.bps : 0;
  let html = `<div id="t-total"><dt>${scope ? 'Total of the filter' : 'Total'}</dt><dd data-value="${total}" data-avg="${avg.avg.join(' ')}" data-peak="${avg.peak}">`
    + `${esc(bits(total))}<span class="sub">${esc(sub)}</span></dd></div>`;
  const split = $('split');
  let parts = [];
  if (scope) parts = [['in', 'In', scope.inBytes], ['out', 'Out', scope.outBytes]];
  else if (d) parts = [['in', 'In', d.receive], ['out', 'Out', d.transmit], ['internal', 'Internal', d.internal], ['transit', 'Transit', d.transit]];
  for (const [cls, label, b] of parts) html += card(`t-${cls}`, label, rate(b), bits(rate(b)));
  const sum = parts.reduce((a, p) => a + p[2], 0);
  // Widths through the CSSOM: the page's CSP allows no inline style attributes.
  split.replaceChildren(...(sum === 0 ? [] : parts.map(([cls, , b]) => {
    const span = document.createElement('span');
    span.className = cls;
    span.style.width = `${((b / sum) * 100).toFixed(2)}%`;
    return span;
  })));
  html += card('t-pps', scope ? 'Packets (all)' : 'Packets', last ? last.pps : 0, si(last ? last.pps : 0, 'pkt/s'));
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
  const sources = h.sources ?? [];
  const kind = (s) => (s.kind === 'flow-exporter' ? 'flow exporter' : 'interface');
  $('sources').innerHTML = sources.length === 0
    ? '<li class="muted">A capture file (no interface)</li>'
    : sources.map((s) => `<li class="${s.up ? 'ok' : 'bad'}" data-source="${esc(s.name)}"><span aria-hidden="true">${s.up ? '▲' : '▼'}</span> `
      + `${esc(s.name)} <span class="kind">${kind(s)}</span> <strong>${s.up ? 'up' : 'down'}</strong></li>`).join('');
  const bad = sources.some((s) => !s.up) || items.some((i) => i.startsWith('<li class="bad"'));
  $('health-area').classList.toggle('bad-area', bad);
  $('health-state').textContent = bad ? 'problem' : 'ok';
}

// ---- controls ----
function setupSort(tableId, which) {
  const table = $(tableId);
  table.tHead.addEventListener('click', (e) => {
    const th = e.target.closest('th[data-key]');
    if (!th) return;
    const sort = state.sort[which];
    const key = th.dataset.key;
    sort.dir = sort.key === key ? (sort.dir === 'asc' ? 'desc' : 'asc') : TEXT_KEYS.includes(key) ? 'asc' : 'desc';
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

function start() {
  $('filter').value = state.filter;
  $('clear').hidden = state.filter === '';
  $('controls').addEventListener('submit', (e) => { e.preventDefault(); applyFilter($('filter').value); });
  $('clear').addEventListener('click', () => { applyFilter(''); $('filter').focus(); });
  $('pause').addEventListener('click', () => setPaused(!state.paused));
  for (const t of ['hosts', 'pairs', 'remotes', 'services']) setupSort(t, t);
  // A click on an address or prefix filters by it (buttons: Enter and Space work too).
  $('main').addEventListener('click', (e) => {
    const b = e.target.closest('button.pick');
    if (!b) return;
    applyFilter(b.dataset.filter);
    $('totals-h').focus();
  });
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest('input, textarea, select')) return;
    if (e.key === '/') { e.preventDefault(); $('filter').focus(); }
    if (e.key === 'p') setPaused(!state.paused);
  });
  connect();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
