import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { freePort, OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { queryPrometheus } from '../support/prometheus-query.ts';
import { skipUnless } from '../support/requirements.ts';
import { startOtelacct } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

const query = queryPrometheus;

/** Prometheus 2.42's scrape Accept header (scrape/scrape.go: acceptHeader). */
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Sample lines of an exposition (comments and # EOF left out). */
const samples = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

test('the real Prometheus 2.42 scrapes /metrics as OpenMetrics (its default) and as text (a scraper asking for text only): same values, _created beside, rate() unaffected', async (t) => {
  if (!skipUnless(t, { tools: ['prometheus', 'promtool'] })) return;
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  const want = new Map<string, number>();
  for (let i = 0; i < 120; i++) {
    const src = `10.30.${i % 6}.1`;
    const len = 40 + ((i * 53) % 1400);
    w.add(ethernetIPv4({ src, dst: '10.30.99.99', proto: 6, srcPort: 1000 + i, dstPort: 443, payloadLength: len - 40 }));
    want.set(src, (want.get(src) ?? 0) + len);
  }
  const file = tmp.write('om.pcap', w.toBuffer());
  const otelacct = startOtelacct(['--read', file, '--serve', '--output', 'none', '--prometheus-host', '127.0.0.1', '--prometheus-port', '0', '--no-web',
    '--dimensions', 'source.address,destination.address']);
  const log = new OutputWatch(otelacct);
  t.after(() => stop(otelacct));
  const served = new URL((JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url);
  await log.line(/"file read; serving/); // the counters are final (and stand still) from here

  // A scraper that only speaks the text format: forwards to otelacct with its own Accept header.
  const proxy = createServer((req, res) => {
    const up = request({ host: served.hostname, port: served.port, path: req.url, headers: { accept: 'text/plain;version=0.0.4' } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    up.end();
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => proxy.close(r)));
  const proxyHost = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  const om = await fetch(served, { headers: { accept: PROMETHEUS_ACCEPT } });
  assert.equal(om.headers.get('content-type'), 'application/openmetrics-text; version=1.0.0; charset=utf-8');
  const omText = await om.text();
  const plainText = await (await fetch(`http://${proxyHost}${served.pathname}`)).text();
  assert.ok(omText.endsWith('# EOF\n'));
  assert.ok(!plainText.includes('# EOF'));
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: plainText, encoding: 'utf8' });
  assert.equal(lint.status, 0, `promtool check metrics (text format): ${lint.stdout}${lint.stderr}`);
  // promtool 2.42 checks only the text format: it refuses OpenMetrics' info type (the strict
  // OpenMetrics check is test/export/openmetrics.test.ts, and Prometheus' own parser below).
  assert.notEqual(spawnSync('promtool', ['check', 'metrics'], { input: omText, encoding: 'utf8' }).status, 0);

  const promPort = await freePort();
  const config = join(tmp.path, 'prometheus.yml');
  writeFileSync(config, [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    'scrape_configs:',
    '  - job_name: openmetrics',
    `    metrics_path: ${served.pathname}`,
    `    static_configs: [ { targets: ["${served.host}"] } ]`,
    '  - job_name: text',
    `    metrics_path: ${served.pathname}`,
    `    static_configs: [ { targets: ["${proxyHost}"] } ]`,
  ].join('\n') + '\n');
  const prom = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(tmp.path, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  const promLog = new OutputWatch(prom);
  t.after(() => stop(prom));
  const base = `http://127.0.0.1:${promPort}`;
  await waitFor(`prometheus ready (${promLog.text})`, async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined), 30_000, 200);
  // Six scrapes of each, so that rate() over 5 s has points.
  await waitFor('six scrapes of both jobs', async () => {
    const r = await query(base, 'count_over_time(up[1m]) >= 6');
    return r.length === 2 ? true : undefined;
  }, 30_000, 250);

  for (const job of ['openmetrics', 'text']) {
    assert.equal((await query(base, `up{job="${job}"}`))[0]?.value[1], '1', `${job} is up`);
    const bytes = await query(base, `sum by (source_address) (otelacct_traffic_bytes_total{job="${job}"})`);
    assert.deepEqual(new Map(bytes.map((r) => [r.metric.source_address, Number(r.value[1])])), want, `${job}: values`);
    const rates = await query(base, `rate(otelacct_traffic_bytes_total{job="${job}"}[5s])`);
    assert.equal(rates.length, want.size, `${job}: rate() of every traffic series`);
    assert.ok(rates.every((r) => r.value[1] === '0'), `${job}: the file is read: the counters stand still`);
    const cpu = await query(base, `rate(process_cpu_time_total{job="${job}",cpu_mode="user"}[5s])`);
    assert.ok(cpu.length === 1 && Number(cpu[0].value[1]) > 0, `${job}: rate() of a moving counter`);
  }
  // scrape_samples_scraped: each format's sample lines; OpenMetrics adds one _created per counter series.
  const scraped = async (job: string) => Number((await query(base, `scrape_samples_scraped{job="${job}"}`))[0].value[1]);
  const created = samples(omText).filter((l) => /^\w+_created[{ ]/.test(l)).length;
  assert.equal(await scraped('text'), samples(plainText).length);
  assert.equal(await scraped('openmetrics'), samples(omText).length);
  assert.equal(samples(omText).length, samples(plainText).length + created);
  // _created: its own series, the start time in seconds; it does not join the _total series.
  const createdSeries = await query(base, 'otelacct_traffic_bytes_created');
  assert.equal(createdSeries.length, want.size);
  assert.ok(createdSeries.every((r) => r.metric.job === 'openmetrics' && Math.abs(Number(r.value[1]) - Date.now() / 1000) < 120), 'start times, in seconds');
  assert.equal((await query(base, 'count(otelacct_traffic_bytes_total)'))[0].value[1], String(2 * want.size));
  assert.equal((await query(base, 'target_info{job="openmetrics"}'))[0]?.metric.service_name, 'otelacct');
});
