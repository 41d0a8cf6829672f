import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import bcrypt from 'bcryptjs';
import type { Page } from 'playwright-core';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { VethNamespace } from '../support/netns.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { skipUnless } from '../support/requirements.ts';
import { parseExposition, startOtelacct, sumBy } from '../support/run-otelacct.ts';
import { ARTIFACTS, launchChromium } from './browser.ts';

const tmp = new TempDir();
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
const paced = (host: string, port: number, payload: number, pps: number) => `
  const s = require('dgram').createSocket('udp4'); const buf = Buffer.alloc(${payload}, 7); const t0 = Date.now(); let sent = 0;
  setInterval(() => { const due = Math.floor((Date.now() - t0) * ${pps} / 1000); while (sent < due) { s.send(buf, ${port}, '${host}'); sent++; } }, 5);`;

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

test('live page in Chromium against live traffic on a veth: the top host and its rate appear, agree with /metrics, and update every second', async (t) => {
  if (!skipUnless(t, { tools: ['ip', 'chromium'], root: true })) return;
  const net = new VethNamespace(7);
  t.after(() => net.dispose());

  // Inside the namespace: a sink for our packets, and a slower stream back to the host.
  const peer = net.spawnInside(process.execPath, ['-e', `
    require('dgram').createSocket('udp4').bind(9999, '${net.peerAddr}', () => console.log('ready'));
    ${paced(net.hostAddr, 9998, IN_PAYLOAD, IN_PPS)}`]);
  t.after(() => stop(peer));
  await new OutputWatch(peer, 'stdout').line(/ready/);
  const sink = createSocket('udp4');
  await new Promise<void>((r) => sink.bind(9998, net.hostAddr, r));
  t.after(() => sink.close());

  const otelacct = startOtelacct(['-i', net.hostIf, '--local-network', `${net.hostAddr}/32`, '--prometheus-host', '127.0.0.1', '--prometheus-port', '0']);
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
    while (sent < due) { sender.send(buf, 9999, net.peerAddr); sent++; }
  }, 5);
  t.after(() => { clearInterval(pace); sender.close(); });

  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const opened = Date.now();
  await page.goto(base);

  // The known top host shows up first, with about the rate we send.
  await waitFor('the sender on top of the hosts table', async () => ((await firstHost(page)) === net.hostAddr ? true : undefined), 10_000);
  const shownAfter = Date.now() - opened;
  await new Promise((r) => setTimeout(r, 2500)); // a few full one-second intervals
  const row = (await hostRow(page, net.hostAddr))!;
  assert.ok(Math.abs(row.out - OUT_BPS) / OUT_BPS < 0.25, `out ${row.out} bit/s ≈ ${OUT_BPS}`);
  assert.ok(Math.abs(row.in - IN_BPS) / IN_BPS < 0.35, `in ${row.in} bit/s ≈ ${IN_BPS}`);
  assert.equal(row.total, row.in + row.out);
  assert.match(await page.locator(`#hosts tr[data-host="${net.hostAddr}"] td.out`).innerText(), /^\d+(\.\d+)? Mbit\/s$/);
  assert.ok((await page.locator(`#hosts tr[data-host="${net.hostAddr}"] svg.spark path.out`).getAttribute('d'))!.length > 10, 'a sparkline');
  const pair = await page.locator('#pairs tbody tr').first().getAttribute('data-pair');
  assert.equal(pair, `${net.hostAddr} ${net.peerAddr}`);
  const totalShown = Number(await page.locator('#t-total dd').getAttribute('data-value'));
  assert.ok(totalShown >= row.total * 0.8, `total ${totalShown} covers the top host`);
  assert.match(await page.locator('#health').innerText(), /Kernel drops: 0/);

  // The same rate from /metrics: bytes sent by the host over three seconds.
  const sentBytes = async () => {
    const expo = parseExposition(await (await fetch(metricsUrl)).text());
    return sumBy(expo, 'otelacct_traffic_bytes_total', ['source_address']).get(net.hostAddr) ?? 0;
  };
  const [b0, m0] = [await sentBytes(), Date.now()];
  await new Promise((r) => setTimeout(r, 3000));
  const [b1, m1] = [await sentBytes(), Date.now()];
  const metricsBps = ((b1 - b0) * 8 * 1000) / (m1 - m0);
  const pageBps = (await hostRow(page, net.hostAddr))!.out;
  assert.ok(Math.abs(pageBps - metricsBps) / metricsBps < 0.25, `page ${pageBps} bit/s vs /metrics ${Math.round(metricsBps)} bit/s`);

  // It updates: the interval end moves on every second.
  const u0 = await updatedAt(page);
  const u1 = await waitFor('an update', async () => { const u = await updatedAt(page); return u > u0 ? u : undefined; }, 3000, 50);
  const u2 = await waitFor('another update', async () => { const u = await updatedAt(page); return u > u1 ? u : undefined; }, 3000, 50);
  assert.ok(u2 - u1 > 700 && u2 - u1 < 1500, `one second apart: ${u2 - u1} ms`);

  // Pause holds the view (keyboard: p), resume catches up.
  await page.locator('body').press('p');
  assert.equal(await page.locator('#pause').getAttribute('aria-pressed'), 'true');
  const held = await updatedAt(page);
  await new Promise((r) => setTimeout(r, 2200));
  assert.equal(await updatedAt(page), held, 'no update while paused');
  assert.equal(await page.locator('#conn').innerText(), 'Paused');
  assert.match(await page.locator('#pending').innerText(), /^· [1-9]\d* updates? waiting$/);
  await page.locator('#pause').click();
  assert.equal(await page.locator('#pause').getAttribute('aria-pressed'), 'false');
  assert.ok((await updatedAt(page)) > held, 'resume shows the latest');

  // Sort by host (header button), then back by total.
  await page.locator('#hosts th[data-key="host"] button').click();
  assert.equal(await page.locator('#hosts th[data-key="host"]').getAttribute('aria-sort'), 'ascending');
  assert.equal(await page.locator('#hosts th[data-key="total"]').getAttribute('aria-sort'), null);
  await page.locator('#hosts th[data-key="total"] button').click();
  assert.equal(await page.locator('#hosts th[data-key="total"]').getAttribute('aria-sort'), 'descending');

  // Filter (keyboard: / focuses it): a prefix without the host empties the table; its address brings it back.
  await page.locator('body').press('/');
  assert.equal(await page.evaluate<string>('document.activeElement.id'), 'filter');
  await page.keyboard.type('192.0.2.0/24');
  await page.keyboard.press('Enter');
  await page.locator('#hosts tbody td.empty').waitFor({ timeout: 5000 });
  assert.match(await page.locator('#hosts tbody').innerText(), /No host matching prefix 192\.0\.2\.0\/24/);
  assert.match(page.url(), /\?filter=192\.0\.2\.0%2F24$/);
  await page.locator('#filter').fill(net.hostAddr);
  await page.locator('#filter').press('Enter');
  await page.locator(`#hosts tbody tr[data-host="${net.hostAddr}"]`).waitFor({ timeout: 5000 });
  await page.locator('#clear').click();
  await page.locator(`#hosts tbody tr[data-host="${net.hostAddr}"] svg`).waitFor({ timeout: 5000 });
  await new Promise((r) => setTimeout(r, 1500));

  await page.screenshot({ path: join(ARTIFACTS, 'live-page.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await new Promise((r) => setTimeout(r, 300));
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow}px)`);
  await page.screenshot({ path: join(ARTIFACTS, 'live-page-phone.png'), fullPage: true });
  assert.deepEqual(errors, [], 'no errors in the page');
  t.diagnostic(`top host shown ${shownAfter} ms after opening; out ${pageBps} bit/s, /metrics ${Math.round(metricsBps)} bit/s, sent ${OUT_BPS} bit/s`);
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
