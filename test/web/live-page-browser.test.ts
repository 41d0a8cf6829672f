import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import bcrypt from 'bcryptjs';
import type { Page } from 'playwright-core';
import { LinkType } from '../../src/decode/link-type.ts';
import {
  ATTR_DESTINATION_ADDRESS, ATTR_DESTINATION_PORT, ATTR_DIRECTION, ATTR_NETWORK_TRANSPORT, ATTR_REMOTE_PREFIX, ATTR_SOURCE_ADDRESS, ATTR_SOURCE_PORT,
} from '../../src/export/semconv.ts';
import { DnsResponder, ptrName } from '../support/dns-responder.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { VethNamespace } from '../support/netns.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { skipUnless } from '../support/requirements.ts';
import { parseExposition, startOtelacct, sumBy } from '../support/run-otelacct.ts';
import { ARTIFACTS, launchChromium } from './browser.ts';

const tmp = new TempDir();
/** Prometheus label names of attributes (dots become underscores). */
const REMOTE_PREFIX = ATTR_REMOTE_PREFIX.replaceAll('.', '_');
const DST_PORT = ATTR_DESTINATION_PORT.replaceAll('.', '_');
after(() => tmp.dispose());

/** UDP payload and rate the test sends from the host side: 1228-byte IP packets, 200 a second. */
const OUT_PAYLOAD = 1200;
const OUT_PPS = 200;
const OUT_BPS = (20 + 8 + OUT_PAYLOAD) * OUT_PPS * 8; // 1 964 800 bit/s
/** What the namespace sends back: 500-byte IP packets, 50 a second. */
const IN_PAYLOAD = 472;
const IN_PPS = 50;
const IN_BPS = (20 + 8 + IN_PAYLOAD) * IN_PPS * 8; // 200 000 bit/s

/** Code for `node -e`: sends `pps` UDP packets a second of `payload` bytes to host:port, paced by the clock. */
const paced = (host: string, port: number, payload: number, pps: number, onFirstPacket = false) => `
  const s = require('dgram').createSocket('udp4'); const buf = Buffer.alloc(${payload}, 7); let t0 = 0; let sent = 0;
  const go = () => { if (t0) return; t0 = Date.now(); setInterval(() => { const due = Math.floor((Date.now() - t0) * ${pps} / 1000); while (sent < due) { s.send(buf, ${port}, '${host}'); sent++; } }, 5); };
  ${onFirstPacket ? 'globalThis.go = go;' : 'go();'}`;

// Browser-side expressions are strings: this project type-checks without the DOM library, and one
// evaluate reads a whole row from one rendering.

/** The numbers of a table row (data-value by data-col): in, out, total, a2, a10, a40, peak, win... */
type Row = Record<string, number>;
async function tableRow(page: Page, selector: string): Promise<Row | undefined> {
  const v = await page.evaluate<Row | null>(`(() => {
    const row = document.querySelector(${JSON.stringify(selector)});
    return row ? Object.fromEntries([...row.querySelectorAll('td[data-col]')].map((td) => [td.dataset.col, Number(td.dataset.value)])) : null;
  })()`);
  return v ?? undefined;
}
const hostRow = (page: Page, host: string) => tableRow(page, `#hosts tbody tr[data-host="${host}"]`);

const firstHost = (page: Page) => page.evaluate<string | null>(`document.querySelector('#hosts tbody tr')?.getAttribute('data-host') ?? null`);
const updatedAt = (page: Page) => page.evaluate<number>(`Number(document.getElementById('updated').dataset.end || 0)`);

/** Contrast ratios under 4.5:1 of the page's text (WCAG AA), as "selector: ratio (colour on background)". */
const LOW_CONTRAST = `(() => {
  const rgb = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 }; };
  const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const bg = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.a > 0) return c; } return rgb(getComputedStyle(document.documentElement).backgroundColor); };
  const out = [];
  const sel = ['button.pick', '.name', 'td.services', 'td.network', '.chart .tick', '.chart .axis-label', '.badges li', '#conn', 'td.in', 'td.out', '.muted', 'a.graph', 'h2', 'h3', 'thead th button', 'figcaption'];
  for (const s of sel) for (const el of document.querySelectorAll(s)) {
    const cs = getComputedStyle(el);
    const fg = rgb(el instanceof SVGElement ? cs.fill : cs.color);
    const l1 = lum(fg), l2 = lum(bg(el));
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (ratio < 4.5) out.push(s + ': ' + ratio.toFixed(2) + ' (' + (el instanceof SVGElement ? cs.fill : cs.color) + ' on ' + JSON.stringify(bg(el)) + ')');
  }
  return [...new Set(out)];
})()`;

/** Buttons, links, regions and images without an accessible name. */
const UNNAMED = `[...document.querySelectorAll('button, a, svg[role=img], [role=region], input')]
  .filter((e) => !(e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.textContent.trim() || (e.id && document.querySelector('label[for="' + e.id + '"]'))))
  .map((e) => e.outerHTML.slice(0, 80))`;

test('live page in Chromium against live traffic on a veth: rates, averages, peaks, services, remote talkers, names and the chart agree with what was sent and with /metrics', async (t) => {
  if (!skipUnless(t, { tools: ['ip', 'chromium'], root: true })) return;
  const net = new VethNamespace(7);
  t.after(() => net.dispose());
  net.disableIPv6();
  const dns = await DnsResponder.start({ [net.hostAddr]: 'meter.otelacct.test', [net.peerAddr]: 'peer.otelacct.test' });
  t.after(() => dns.close());

  // Inside the namespace: a "DNS server" sink on port 53 for our packets, and a slower stream
  // back to the host from an ephemeral port to 9998, from our first packet on (so that all of it
  // is captured); it prints how many it sent when stopped.
  const peer = net.spawnInside(process.execPath, ['-e', `
    require('dgram').createSocket('udp4').on('message', () => go()).bind(53, '${net.peerAddr}', () => console.log('ready'));
    ${paced(net.hostAddr, 9998, IN_PAYLOAD, IN_PPS, true)}
    process.on('SIGTERM', () => { console.log('sent ' + sent); process.exit(0); });`]);
  const peerOut = new OutputWatch(peer, 'stdout');
  t.after(() => stop(peer));
  await peerOut.line(/ready/);
  const sink = createSocket('udp4');
  await new Promise<void>((r) => sink.bind(9998, net.hostAddr, r));
  t.after(() => sink.close());

  const peerNet = net.peerAddr.replace(/\d+$/, (o) => String(Number(o) & ~3));
  writeFileSync(join(tmp.path, 'networks.lst'), `${peerNet}/30 lab-peer\n`);
  const config = join(tmp.path, 'live.yaml');
  writeFileSync(config, [
    'accounting:', `  localNetworks: [${net.hostAddr}/32]`, `  networksFile: ${join(tmp.path, 'networks.lst')}`,
    'aggregations:',
    `  - { name: traffic, dimensions: [${ATTR_SOURCE_ADDRESS}, ${ATTR_DESTINATION_ADDRESS}, ${ATTR_NETWORK_TRANSPORT}, ${ATTR_SOURCE_PORT}, ${ATTR_DESTINATION_PORT}] }`,
    `  - { name: peers, dimensions: [${ATTR_REMOTE_PREFIX}, ${ATTR_DIRECTION}], prefixLength: { ipv4: 24 } }`,
    'web:', '  reverseDns: true', `  reverseDnsServers: ["${dns.server}"]`, '  grafanaUrl: "http://grafana.example:3000/"', '',
  ].join('\n'));
  const otelacct = startOtelacct(['-c', config, '-i', net.hostIf, '--prometheus-host', '127.0.0.1', '--prometheus-port', '0']);
  const log = new OutputWatch(otelacct);
  t.after(() => stop(otelacct));
  const metricsUrl = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  const base = metricsUrl.replace(/\/metrics$/, '/');
  await log.line(/"capturing"/);

  const sender = createSocket('udp4');
  const buf = Buffer.alloc(OUT_PAYLOAD, 1);
  const t0 = Date.now();
  let sent = 0;
  const pace = setInterval(() => {
    const due = Math.floor(((Date.now() - t0) * OUT_PPS) / 1000);
    while (sent < due) { sender.send(buf, 53, net.peerAddr); sent++; }
  }, 5);
  t.after(() => { clearInterval(pace); sender.close(); });

  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const opened = Date.now();
  await page.goto(base);

  // The known top host shows up first, with about the rate we send.
  await waitFor('the sender on top of the hosts table', async () => ((await firstHost(page)) === net.hostAddr ? true : undefined), 10_000);
  const shownAfter = Date.now() - opened;
  await new Promise((r) => setTimeout(r, 3000)); // a few full one-second intervals
  const row = (await hostRow(page, net.hostAddr))!;
  assert.ok(Math.abs(row.out - OUT_BPS) / OUT_BPS < 0.25, `out ${row.out} bit/s ≈ ${OUT_BPS}`);
  assert.ok(Math.abs(row.in - IN_BPS) / IN_BPS < 0.35, `in ${row.in} bit/s ≈ ${IN_BPS}`);
  assert.equal(row.total, row.in + row.out);
  for (const k of ['a2', 'a10', 'a40']) assert.ok(Math.abs(row[k] - OUT_BPS - IN_BPS) / (OUT_BPS + IN_BPS) < 0.25, `${k} ${row[k]} ≈ ${OUT_BPS + IN_BPS}`);
  assert.ok(row.peak >= row.a2 && row.peak >= row.total && row.peak < (OUT_BPS + IN_BPS) * 3, `peak ${row.peak}`);
  assert.match(await page.locator(`#hosts tr[data-host="${net.hostAddr}"] td.out`).innerText(), /^\d+(\.\d+)? Mbit\/s$/);
  assert.ok((await page.locator(`#hosts tr[data-host="${net.hostAddr}"] svg.spark path.out`).getAttribute('d'))!.length > 10, 'a sparkline');
  assert.equal(await page.locator('#pairs tbody tr').first().getAttribute('data-pair'), `${net.hostAddr} ${net.peerAddr}`);
  const total = Number(await page.locator('#t-total dd').getAttribute('data-value'));
  assert.ok(total >= row.total * 0.8, `total ${total} covers the top host`);
  const totalAvg = (await page.locator('#t-total dd').getAttribute('data-avg'))!.split(' ').map(Number);
  assert.ok(Math.abs(totalAvg[1] - OUT_BPS - IN_BPS) / (OUT_BPS + IN_BPS) < 0.25, `total 10 s average ${totalAvg[1]}`);
  assert.match(await page.locator('#health').innerText(), /Kernel drops: 0/);
  assert.equal(await page.locator(`#sources li[data-source="${net.hostIf}"]`).getAttribute('class'), 'ok');
  assert.match(await page.locator(`#sources li[data-source="${net.hostIf}"]`).innerText(), /up$/);
  // What the traffic is, who is on the other side, and their names.
  assert.deepEqual(await page.locator('#services tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-service'))), ['domain', 'udp/9998']);
  assert.match(await page.locator(`#hosts tr[data-host="${net.hostAddr}"] td.services`).innerText(), /^domain, udp\/9998$/);
  const remote = page.locator(`#remotes tr[data-remote="${peerNet}/30"]`);
  assert.equal(await remote.locator('td.network').innerText(), 'lab-peer', 'the networks file names the remote prefix');
  await waitFor('reverse DNS names', async () => ((await page.locator('#pairs .name').allInnerTexts()).join() === 'meter.otelacct.test,peer.otelacct.test' ? true : undefined), 5000);
  assert.deepEqual(new Set(dns.queries), new Set([ptrName(net.hostAddr), ptrName(net.peerAddr)]), 'each address asked for, and only once');
  assert.equal(dns.queries.length, 2);
  assert.equal(await page.locator(`#hosts tr[data-host="${net.hostAddr}"] a.graph`).getAttribute('href'),
    `http://grafana.example:3000/d/otelacct/otelacct-traffic?var-host=${net.hostAddr}&viewPanel=2&from=now-1h&to=now`);
  // The chart: in up, out down, a scale whose top covers the peak, time labels.
  const chart = page.locator('#chart svg.chart');
  assert.ok(Number(await chart.getAttribute('data-top')) >= OUT_BPS * 0.9, 'the scale covers the out rate');
  const ticks = await chart.locator('text.tick').allTextContents();
  assert.ok(ticks.includes('0 bit/s') && ticks.includes('now') && ticks.includes('−5 min'), ticks.join('|'));
  assert.ok((await chart.locator('path.out').getAttribute('d'))!.length > 20 && (await chart.locator('path.in').getAttribute('d'))!.length > 20);

  // The same rate from /metrics: bytes sent by the host over three seconds.
  const SRC = ATTR_SOURCE_ADDRESS.replaceAll('.', '_');
  const DST = ATTR_DESTINATION_ADDRESS.replaceAll('.', '_');
  const metrics = async () => parseExposition(await (await fetch(metricsUrl)).text());
  const sentBytes = async () => sumBy(await metrics(), 'otelacct_traffic_bytes_total', [SRC]).get(net.hostAddr) ?? 0;
  const [b0, m0] = [await sentBytes(), Date.now()];
  await new Promise((r) => setTimeout(r, 3000));
  const [b1, m1] = [await sentBytes(), Date.now()];
  const metricsBps = ((b1 - b0) * 8 * 1000) / (m1 - m0);
  const pageBps = (await hostRow(page, net.hostAddr))!.a2;
  assert.ok(Math.abs(pageBps - metricsBps - IN_BPS) / metricsBps < 0.25, `page 2 s average ${pageBps} bit/s vs /metrics out ${Math.round(metricsBps)} + in`);

  // It updates: the interval end moves on every second.
  const u0 = await updatedAt(page);
  const u1 = await waitFor('an update', async () => { const u = await updatedAt(page); return u > u0 ? u : undefined; }, 3000, 50);
  const u2 = await waitFor('another update', async () => { const u = await updatedAt(page); return u > u1 ? u : undefined; }, 3000, 50);
  assert.ok(u2 - u1 > 700 && u2 - u1 < 1500, `one second apart: ${u2 - u1} ms`);
  await page.screenshot({ path: join(ARTIFACTS, 'live-page.png'), fullPage: true });

  // Pause holds the view (keyboard: p), resume catches up.
  await page.locator('body').press('p');
  assert.equal(await page.locator('#pause').getAttribute('aria-pressed'), 'true');
  const held = await updatedAt(page);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await updatedAt(page), held, 'no update while paused');
  assert.equal(await page.locator('#conn').innerText(), 'Paused');
  assert.match(await page.locator('#pending').innerText(), /^· [1-9]\d* updates? waiting$/);
  await page.locator('#pause').click();
  assert.ok((await updatedAt(page)) > held, 'resume shows the latest');

  // Sort by host (header button), then back by total.
  await page.locator('#hosts th[data-key="host"] button').click();
  assert.equal(await page.locator('#hosts th[data-key="host"]').getAttribute('aria-sort'), 'ascending');
  await page.locator('#hosts th[data-key="total"] button').click();
  assert.equal(await page.locator('#hosts th[data-key="total"]').getAttribute('aria-sort'), 'descending');

  // Navigation by keyboard: the host's address is a button; Enter filters by it, and the totals
  // and the split follow: the host's in and out.
  const pick = page.locator(`#hosts tr[data-host="${net.hostAddr}"] button.pick`);
  assert.equal(await pick.getAttribute('aria-label'), `Filter by ${net.hostAddr} (meter.otelacct.test)`);
  await pick.focus();
  await page.keyboard.press('Enter');
  await page.locator('#t-total dt', { hasText: 'Total of the filter' }).waitFor({ timeout: 5000 });
  assert.equal(new URL(page.url()).searchParams.get('filter'), net.hostAddr);
  assert.equal(await page.evaluate<string>('document.activeElement.id'), 'totals-h', 'focus moves to the totals');
  const scoped = await waitFor('the filtered totals', async () => {
    const v = await page.evaluate<number[]>(`['t-total', 't-in', 't-out'].map((id) => Number(document.querySelector('#' + id + ' dd')?.dataset.value ?? -1))`);
    return v[1] > 0 && v[2] > 0 ? v : undefined;
  }, 5000);
  assert.equal(scoped[0], scoped[1] + scoped[2]);
  // (One slot can be short right after the reconnect, with a capture batch in it: compare the 10 s average.)
  const scopedAvg = (await page.locator('#t-total dd').getAttribute('data-avg'))!.split(' ').map(Number);
  assert.ok(Math.abs(scopedAvg[1] - OUT_BPS - IN_BPS) / (OUT_BPS + IN_BPS) < 0.25, `filtered 10 s average ${scopedAvg[1]}`);
  assert.equal(await page.locator('#t-internal').count(), 0, 'the split is the filter\'s in and out');
  assert.equal(await page.locator(`#remotes tr[data-remote="${net.peerAddr}"]`).count(), 1, 'whom the host talks to');
  // A remote prefix filters too (click): the totals are what it sent us and what we sent it.
  await page.locator('#clear').click();
  await page.locator(`#remotes tr[data-remote="${peerNet}/30"] button.pick`).click();
  await waitFor('the prefix filter', async () => (new URL(page.url()).searchParams.get('filter') === `${peerNet}/30` ? true : undefined), 5000);
  await page.locator('#t-total dt', { hasText: 'Total of the filter' }).waitFor({ timeout: 5000 });
  assert.match(await page.locator('#conn').innerText(), new RegExp(`filter: prefix ${peerNet}/30`));
  await page.locator('#clear').click();
  await page.locator('#t-total dt', { hasText: /^Total$/ }).waitFor({ timeout: 5000 });

  // Accessibility: contrast in light and dark, names on every control.
  assert.deepEqual(await page.evaluate<string[]>(LOW_CONTRAST), [], 'contrast, light');
  assert.deepEqual(await page.evaluate<string[]>(UNNAMED), [], 'accessible names');
  await page.emulateMedia({ colorScheme: 'dark' });
  await new Promise((r) => setTimeout(r, 1200));
  assert.deepEqual(await page.evaluate<string[]>(LOW_CONTRAST), [], 'contrast, dark');
  await page.screenshot({ path: join(ARTIFACTS, 'live-page-dark.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await new Promise((r) => setTimeout(r, 1200));
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow}px)`);
  await page.screenshot({ path: join(ARTIFACTS, 'live-page-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // Stop all traffic: once it is drained, every number of the window equals /metrics exactly,
  // and what was sent.
  clearInterval(pace);
  await stop(peer);
  const peerSent = Number(/sent (\d+)/.exec(await peerOut.line(/^sent \d+/))![1]);
  await waitFor('the rates down to 0', async () => ((await hostRow(page, net.hostAddr))?.total === 0 ? true : undefined), 5000);
  await new Promise((r) => setTimeout(r, 1100));
  const expo = await metrics();
  const outBytes = sumBy(expo, 'otelacct_traffic_bytes_total', [SRC]).get(net.hostAddr)!;
  const inBytes = sumBy(expo, 'otelacct_traffic_bytes_total', [DST]).get(net.hostAddr)!;
  assert.equal(outBytes, sent * (OUT_PAYLOAD + 28), 'the meter counted what was sent');
  assert.equal(inBytes, peerSent * (IN_PAYLOAD + 28));
  const final = (await hostRow(page, net.hostAddr))!;
  assert.equal(final.win, outBytes + inBytes, 'host: window bytes = /metrics');
  assert.equal((await tableRow(page, '#pairs tbody tr'))!.win, outBytes + inBytes, 'pair');
  const prefix = REMOTE_PREFIX;
  const peers = sumBy(expo, 'otelacct_peers_bytes_total', [prefix]).get(`${peerNet}/30`)!;
  assert.equal((await tableRow(page, `#remotes tr[data-remote="${peerNet}/30"]`))!.win, peers, 'remote prefix = /metrics of "peers"');
  assert.equal(peers, outBytes + inBytes);
  const byPort = sumBy(expo, 'otelacct_traffic_bytes_total', [DST_PORT]);
  assert.equal((await tableRow(page, '#services tr[data-service="domain"]'))!.win, byPort.get('53'), 'domain = /metrics to port 53');
  assert.equal((await tableRow(page, '#services tr[data-service="udp/9998"]'))!.win, byPort.get('9998'));
  assert.equal(Number(await page.locator('#t-since dd').getAttribute('data-value')), [...sumBy(expo, 'otelacct_traffic_bytes_total', []).values()][0]);
  assert.deepEqual(errors, [], 'no errors in the page');
  t.diagnostic(`top host shown ${shownAfter} ms after opening; 2 s average ${pageBps} bit/s, /metrics out ${Math.round(metricsBps)} bit/s, sent ${OUT_BPS} + ${IN_BPS} bit/s; ${sent} + ${peerSent} packets`);
});

test('live page in Chromium after --read: the file\'s top host leads, with the bytes /metrics has for it', async (t) => {
  if (!skipUnless(t, { tools: ['chromium'] })) return;
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  const frame = (src: string, dst: string, payload: number) => ethernetIPv4({ src, dst, proto: 17, srcPort: 5000, dstPort: 53, payloadLength: payload });
  for (let i = 0; i < 2000; i++) w.add(frame('10.1.0.10', '198.51.100.7', 1400)); // the top host, out
  for (let i = 0; i < 300; i++) w.add(frame('198.51.100.7', '10.1.0.10', 100)); // ... and in
  for (let h = 1; h <= 30; h++) for (let i = 0; i < h; i++) w.add(frame(`10.1.0.${100 + h}`, `203.0.113.${h}`, 200));
  const file = tmp.write('top.pcap', w.toBuffer());

  const otelacct = startOtelacct(['--read', file, '--serve', '--output', 'none', '--local-network', '10.1.0.0/16', '--prometheus-host', '127.0.0.1', '--prometheus-port', '0']);
  const log = new OutputWatch(otelacct);
  t.after(() => stop(otelacct));
  const metricsUrl = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  // /metrics answers during the read (counts so far): the file's totals are final from this line.
  await log.line(/"file read; serving/);
  const expo = parseExposition(await (await fetch(metricsUrl)).text());
  const out = sumBy(expo, 'otelacct_traffic_bytes_total', ['source_address']).get('10.1.0.10')!;
  const inb = sumBy(expo, 'otelacct_traffic_bytes_total', ['destination_address']).get('10.1.0.10')!;
  assert.equal(out, 2000 * 1428);

  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
  await page.goto(metricsUrl.replace(/\/metrics$/, '/'));
  await waitFor('the file\'s top host first', async () => ((await firstHost(page)) === '10.1.0.10' ? true : undefined), 10_000);
  // The first interval holds the whole file; the ones after it are empty: nothing flows any more.
  const row = await waitFor('an empty interval after the file', async () => {
    const r = await hostRow(page, '10.1.0.10');
    return r && r.total === 0 ? r : undefined;
  }, 5000);
  assert.equal(row.win, out + inb, 'bytes over the window = /metrics');
  assert.equal(await page.locator('#hosts tbody tr').count(), 20, 'web.topN rows');
  // No aggregation keeps ports here: the page says so instead of an empty services table.
  assert.equal(await page.locator('#services').isHidden(), true);
  assert.match(await page.locator('#services-note').innerText(), /^No aggregation keeps ports and transport/);
  assert.equal(Number(await page.locator('#t-since dd').getAttribute('data-value')), Number([...sumBy(expo, 'otelacct_traffic_bytes_total', []).values()][0]));
  await page.screenshot({ path: join(ARTIFACTS, 'live-page-read-dark.png'), fullPage: true });
});

test('behind TLS and basic auth (prometheus.webConfigFile) the page and its event stream work in Chromium with credentials, and not without', async (t) => {
  if (!skipUnless(t, { tools: ['chromium', 'openssl'] })) return;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-keyout', join(tmp.path, 'server.key'), '-out', join(tmp.path, 'server.crt')], { stdio: 'ignore' });
  const web = join(tmp.path, 'web.yml');
  writeFileSync(web, `tls_server_config: { cert_file: server.crt, key_file: server.key }\nbasic_auth_users:\n  ops: ${bcrypt.hashSync('pw', 4)}\n`);
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  for (let i = 0; i < 50; i++) w.add(ethernetIPv4({ src: '10.2.0.5', dst: '198.51.100.1', proto: 6, srcPort: 443, dstPort: 5555, payloadLength: 1000 }));
  const file = tmp.write('tls.pcap', w.toBuffer());
  const otelacct = startOtelacct(['--read', file, '--serve', '--output', 'none', '--local-network', '10.2.0.0/16', '--web-config-file', web,
    '--prometheus-host', '127.0.0.1', '--prometheus-port', '0']);
  const log = new OutputWatch(otelacct);
  t.after(() => stop(otelacct));
  const base = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url.replace(/\/metrics$/, '/');
  assert.match(base, /^https:/);

  const browser = await launchChromium();
  t.after(() => browser.close());
  const anonymous = await browser.newContext({ ignoreHTTPSErrors: true });
  for (const path of ['', 'api/live', 'api/snapshot']) assert.equal((await anonymous.request.get(base + path)).status(), 401, `/${path}`);
  const context = await browser.newContext({ ignoreHTTPSErrors: true, httpCredentials: { username: 'ops', password: 'pw' } });
  const page = await context.newPage();
  assert.equal((await page.goto(base))?.status(), 200);
  await waitFor('the host over the authenticated event stream', async () => ((await firstHost(page)) === '10.2.0.5' ? true : undefined), 10_000);
  assert.equal((await hostRow(page, '10.2.0.5'))!.win, 50 * 1040);
  assert.equal(await page.locator('#conn').innerText(), 'Live');
});
