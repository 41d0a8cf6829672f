import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { averages, DASHBOARD_SLUG, DASHBOARD_UID, grafanaLink, HOST_PANEL, niceScale, si } from '../../src/web/assets/rates.js';

/** One-second slots ending at 1000, 2000, ... with `bytes[i]` for the row. */
const slots = (bytes: Array<number | undefined>, seconds = 1) => bytes.map((b, i) => ({ end: (i + 1) * seconds * 1000, seconds, b }));

test('2 s, 10 s and 40 s averages over the newest slots, and the one-slot peak over the window', () => {
  // 60 one-second slots: 1000 bytes/s for 50 s, then 10 000 bytes/s for the last 10 s.
  const s = slots([...Array(50).fill(1000), ...Array(10).fill(10_000)]);
  const r = averages(s, (x) => x.b);
  assert.deepEqual(r.avg, [80_000, 80_000, Math.round(((30 * 1000 + 10 * 10_000) * 8) / 40)]);
  assert.equal(r.peak, 80_000);
  // Absent rows count 0; a short page history averages over what it has.
  assert.deepEqual(averages(slots([undefined, 500]), (x) => x.b), { avg: [2000, 2000, 2000], peak: 4000 });
  assert.deepEqual(averages(slots([1000]), (x) => x.b), { avg: [8000, 8000, 8000], peak: 8000 });
  assert.deepEqual(averages([], () => 1), { avg: [0, 0, 0], peak: 0 });
});

test('averages: a slot partly inside a span counts for that part (timer jitter, long slots after a file)', () => {
  const jitter = [1, 2, 3, 4].map((i) => ({ end: i * 1010, seconds: 1.01, b: i * 1000 }));
  assert.equal(averages(jitter, (x) => x.b).avg[0], Math.round(((4000 + (3000 * 0.99) / 1.01) * 8) / 2));
  const long = [{ end: 15_000, seconds: 15, b: 15_000 }, { end: 16_000, seconds: 1, b: 0 }];
  const r = averages(long, (x) => x.b);
  assert.deepEqual(r.avg, [4000, 7200, 7500], '1 s of the 15 s slot in 2 s, 9 s in 10 s, all 16 s in 40 s');
  assert.equal(r.peak, 8000);
});

test('peak: a short slot is merged with the one before it (no spike from a capture batch in 0.1 s)', () => {
  const s = [{ end: 1000, seconds: 1, b: 1000 }, { end: 1100, seconds: 0.1, b: 1000 }, { end: 2100, seconds: 1, b: 1000 }];
  assert.equal(averages(s, (x) => x.b).peak, Math.round((2000 * 8) / 1.1));
  assert.equal(averages([{ end: 100, seconds: 0.1, b: 10 }], (x) => x.b).peak, 800, 'a lone short slot still counts');
});

test('chart scale: a round top in 4 steps; si prefixes', () => {
  assert.deepEqual(niceScale(1_964_800), { top: 2_000_000, step: 500_000 });
  assert.deepEqual(niceScale(200_000), { top: 200_000, step: 50_000 });
  assert.deepEqual(niceScale(210_000), { top: 400_000, step: 100_000 });
  assert.deepEqual(niceScale(7), { top: 8, step: 2 });
  assert.deepEqual(niceScale(0), { top: 4, step: 1 });
  assert.equal(si(1_964_800, 'bit/s'), '1.96 Mbit/s');
  assert.equal(si(999, 'B'), '999 B');
  assert.equal(si(250_000, 'bit/s'), '250 kbit/s');
});

test('the Grafana link opens the dashboard otelacct ships, on its per-host panel, with the host variable', () => {
  const dash = JSON.parse(readFileSync(new URL('../../grafana/dashboards/otelacct.json', import.meta.url), 'utf8')) as {
    uid: string; title: string; panels: Array<{ id: number; title: string }>; templating: { list: Array<{ name: string }> };
  };
  assert.equal(dash.uid, DASHBOARD_UID);
  assert.equal(dash.title.toLowerCase().replace(/[^a-z0-9]+/g, '-'), DASHBOARD_SLUG);
  assert.match(dash.panels.find((p) => p.id === HOST_PANEL)!.title, /per host/);
  assert.ok(dash.templating.list.some((v) => v.name === 'host'));
  assert.equal(grafanaLink('https://grafana.example/', '2001:db8::1'),
    'https://grafana.example/d/otelacct/otelacct-traffic?var-host=2001%3Adb8%3A%3A1&viewPanel=2&from=now-1h&to=now');
  assert.equal(grafanaLink('', '10.0.0.1'), '', 'no web.grafanaUrl: no link');
});
