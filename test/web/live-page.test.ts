import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import bcrypt from 'bcryptjs';
import { loadConfig } from '../../src/config/load.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { Logger } from '../../src/log.ts';
import { Pipeline } from '../../src/pipeline.ts';
import type { Slot } from '../../src/web/slot.ts';
import { ipv4Packet } from '../support/frames.ts';
import { TempDir } from '../support/read-capture.ts';
import { DnsResponder, ptrName } from '../support/dns-responder.ts';
import { SseClient } from './sse-client.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

/** A pipeline (no capture) serving on a free port; packets are fed with `send`. */
async function start(t: TestContext, args: string[] = []): Promise<{ pipeline: Pipeline; base: string; send: (src: string, dst: string, payload: number, n: number) => void }> {
  const { config } = loadConfig(['--prometheus-host', '127.0.0.1', '--prometheus-port', '0', ...args], {});
  const pipeline = await Pipeline.create(config, new Logger('error', () => {}), { outputReader: false, env: {} });
  const url = await pipeline.serve();
  assert.ok(url);
  t.after(() => pipeline.stop());
  const ifIndex = pipeline.interfaces.register('test0');
  const send = (src: string, dst: string, payload: number, n: number) => {
    const p = ipv4Packet({ src, dst, proto: 17, srcPort: 1, dstPort: 2, payloadLength: payload });
    for (let i = 0; i < n; i++) pipeline.accountant.packet(p, 0, p.length, p.length, LinkType.RAW, ifIndex);
  };
  return { pipeline, base: url.replace(/\/metrics$/, ''), send };
}

test('GET / serves the page and its assets from the package, with a strict CSP; /api/snapshot is JSON; unknown /api paths are 404', async (t) => {
  const { base, send } = await start(t, ['--local-network', '10.0.0.0/24']);
  const page = await fetch(`${base}/`);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/);
  const html = await page.text();
  assert.match(html, /<script type="module" src="assets\/app\.js"><\/script>/);
  assert.doesNotMatch(html, /https?:\/\//, 'nothing loaded from elsewhere');
  for (const [path, type] of [...['app.js', 'rates.js', 'chart.js', 'tables.js'].map((f) => [`/assets/${f}`, 'text/javascript']), ['/assets/app.css', 'text/css']]) {
    const r = await fetch(`${base}${path}`);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers.get('content-type'), `${type}; charset=utf-8`);
    const etag = r.headers.get('etag')!;
    assert.doesNotMatch(await r.text(), /https?:\/\/(?!www\.w3\.org)/, `${path} fetches nothing from elsewhere`);
    assert.equal((await fetch(`${base}${path}`, { headers: { 'if-none-match': etag } })).status, 304);
  }
  assert.equal((await fetch(`${base}/assets/nope.js`)).status, 404);
  assert.equal((await fetch(`${base}/api/nope`)).status, 404);
  assert.equal((await fetch(`${base}/nope`)).status, 404);
  assert.equal((await fetch(`${base}/`, { method: 'HEAD' })).status, 200);

  send('10.0.0.9', '198.51.100.1', 972, 10);
  // Without a page open, a snapshot flushes; the interval closes once it is a second long.
  await new Promise((r) => setTimeout(r, 1100));
  const snap = (await (await fetch(`${base}/api/snapshot`)).json()) as { meta: Record<string, unknown>; slots: Slot[]; health: Record<string, unknown> };
  assert.equal(snap.meta.hostMode, 'classified');
  assert.equal(snap.meta.metricsPath, '/metrics');
  assert.equal(snap.health.bytes, 10_000);
  assert.equal(snap.health.kernelDrops, null);
  assert.equal(snap.health.exportFailures, null, 'OTLP off');
  assert.deepEqual(snap.slots.flatMap((s) => s.hosts.map((h) => [h.host, h.outBytes])), [['10.0.0.9', 10_000]]);
});

test('/api/live: a snapshot, then a slot every second while the stream is open; the ticker stops with the last client; stop() ends open streams', async (t) => {
  const { pipeline, base, send } = await start(t, ['--local-network', '10.0.0.0/24', '--web-top-n', '5']);
  const web = pipeline.web!;
  const sse = await SseClient.open(`${base}/api/live`);
  t.after(() => sse.close());
  assert.equal(sse.status, 200);
  assert.equal(sse.contentType, 'text/event-stream; charset=utf-8');
  const first = await sse.next();
  assert.equal(first.event, 'snapshot');
  assert.equal((JSON.parse(first.data) as { meta: { topN: number } }).meta.topN, 5);
  assert.equal(web.clients, 1);

  const slots: Slot[] = [];
  const started = Date.now();
  for (let i = 0; i < 4; i++) {
    send('10.0.0.7', '198.51.100.1', 972, 100); // 100 kB per round
    const e = await sse.next(3000);
    assert.equal(e.event, 'slot');
    slots.push(JSON.parse(e.data) as Slot);
  }
  const elapsed = Date.now() - started;
  assert.ok(elapsed > 2000 && elapsed < 5000, `about one slot a second (4 in ${elapsed} ms)`);
  for (const s of slots.slice(1)) assert.ok(s.seconds > 0.8 && s.seconds < 1.6, `slot length ${s.seconds}`);
  const counted = slots.flatMap((s) => s.hosts).reduce((a, h) => a + h.outBytes, 0);
  assert.ok(counted >= 300_000 && counted <= 400_000, `the rounds' bytes, each once: ${counted}`);
  const last = slots.findLast((s) => s.hosts.length > 0)!;
  assert.equal(last.hosts[0].outBps, Math.round((last.hosts[0].outBytes * 8) / last.seconds));

  // A filtered stream: the filter is applied on the meter.
  const filtered = await SseClient.open(`${base}/api/live?filter=${encodeURIComponent('10.0.0.0/30')}`);
  t.after(() => filtered.close());
  const snap = JSON.parse((await filtered.next()).data) as { meta: { filterDescription: string } };
  assert.equal(snap.meta.filterDescription, 'prefix 10.0.0.0/30');
  send('10.0.0.7', '198.51.100.1', 72, 1);
  send('10.0.0.2', '198.51.100.1', 72, 1);
  const f = JSON.parse((await filtered.next(3000)).data) as Slot;
  assert.ok(f.hosts.every((h) => h.host === '10.0.0.2'), JSON.stringify(f.hosts));
  filtered.close();

  sse.close();
  await waitUntil(() => web.clients === 0);
  assert.equal(pipeline.web!.clients, 0);

  // stop() must not wait for a stream still open.
  const again = await SseClient.open(`${base}/api/live`);
  await again.next();
  const t0 = Date.now();
  await pipeline.stop();
  assert.ok(Date.now() - t0 < 3000, 'stopped promptly');
  await assert.rejects(async () => {
    for (let i = 0; i < 5; i++) await again.next(2000); // events sent before stop(), then the end
  }, /stream ended|terminated|aborted/);
});

test('reverse DNS is off by default (no names, nothing asked); web.reverseDns asks the configured server, in the background, once per address', async (t) => {
  const dns = await DnsResponder.start({ '10.0.0.9': 'nine.example.test' });
  t.after(() => dns.close());
  const off = await start(t, ['--local-network', '10.0.0.0/24', '--web-reverse-dns-server', dns.server]);
  off.send('10.0.0.9', '198.51.100.1', 972, 3);
  await new Promise((r) => setTimeout(r, 1100));
  const a = (await (await fetch(`${off.base}/api/snapshot`)).json()) as { meta: { reverseDns: boolean; grafanaUrl: string }; slots: Slot[]; health: { sources: unknown[] } };
  assert.deepEqual([a.meta.reverseDns, a.meta.grafanaUrl, a.health.sources], [false, '', []]);
  assert.deepEqual(a.slots.map((s) => s.names), [{}]);
  assert.deepEqual(dns.queries, [], 'nothing asked');

  const on = await start(t, ['--local-network', '10.0.0.0/24', '--web-reverse-dns', '--web-reverse-dns-server', dns.server, '--web-grafana-url', 'https://grafana.example']);
  const sse = await SseClient.open(`${on.base}/api/live`);
  t.after(() => sse.close());
  assert.equal((JSON.parse((await sse.next()).data) as { meta: { reverseDns: boolean; grafanaUrl: string } }).meta.grafanaUrl, 'https://grafana.example');
  let named: Slot | undefined;
  for (let i = 0; i < 5 && !named?.names['10.0.0.9']; i++) {
    on.send('10.0.0.9', '198.51.100.1', 972, 3);
    named = JSON.parse((await sse.next(3000)).data) as Slot;
  }
  assert.equal(named?.names['10.0.0.9'], 'nine.example.test', 'the name rides along once it has arrived');
  assert.equal(named?.names['198.51.100.1'], undefined, 'NXDOMAIN: no name');
  assert.deepEqual(dns.queries.toSorted(), [ptrName('10.0.0.9'), ptrName('198.51.100.1')].toSorted(), 'each address asked once');
});

test('web.enabled false: / is the plain index and /api/* is 404', async (t) => {
  const { base, pipeline } = await start(t, ['--no-web']);
  assert.equal(pipeline.web, undefined);
  const index = await (await fetch(`${base}/`)).text();
  assert.match(index, /<a href="\/metrics">/);
  assert.doesNotMatch(index, /app\.js/);
  for (const path of ['/api/live', '/api/snapshot', '/assets/app.js']) assert.equal((await fetch(`${base}${path}`)).status, 404, path);
});

test('basic auth of prometheus.webConfigFile covers the page, its assets and the API', async (t) => {
  const web = join(tmp.path, 'web.yml');
  writeFileSync(web, `basic_auth_users:\n  ops: ${bcrypt.hashSync('pw', 4)}\n`);
  const { base } = await start(t, ['--web-config-file', web]);
  const auth = { authorization: `Basic ${Buffer.from('ops:pw').toString('base64')}` };
  for (const path of ['/', '/assets/app.js', '/api/snapshot', '/api/live']) {
    assert.equal((await fetch(`${base}${path}`)).status, 401, path);
  }
  assert.equal((await fetch(`${base}/api/snapshot`, { headers: auth })).status, 200);
  const sse = await SseClient.open(`${base}/api/live`, auth);
  t.after(() => sse.close());
  assert.equal((await sse.next()).event, 'snapshot');
});

async function waitUntil(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
