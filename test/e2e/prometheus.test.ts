import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LinkType } from '../../src/decode/link-type.ts';
import { ethernetIPv4, ethernetIPv6 } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { freePort, OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { queryPrometheus } from '../support/prometheus-query.ts';
import { skipUnless } from '../support/requirements.ts';
import { parseExposition, startOtelacct, sumBy } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

const query = queryPrometheus;

test('a real Prometheus scrapes otelacct and returns the same per-pair totals', async (t) => {
  if (!skipUnless(t, { tools: ['prometheus', 'promtool'] })) return;
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  const want = new Map<string, number>();
  for (let i = 0; i < 200; i++) {
    const src = `10.20.${i % 7}.1`;
    const len = 40 + ((i * 37) % 1400);
    w.add(ethernetIPv4({ src, dst: '10.20.99.99', proto: 6, srcPort: 1000 + i, dstPort: 443, payloadLength: len - 40 }));
    want.set(`${src},10.20.99.99`, (want.get(`${src},10.20.99.99`) ?? 0) + len);
  }
  w.add(ethernetIPv6({ src: 'fd00::1', dst: 'fd00::2', proto: 17, srcPort: 5, dstPort: 6, payloadLength: 100 }));
  want.set('fd00::1,fd00::2', 148);
  const file = tmp.write('scrape.pcap', w.toBuffer());

  const otelacct = startOtelacct(['--read', file, '--serve', '--prometheus-host', '127.0.0.1', '--prometheus-port', '0']);
  const log = new OutputWatch(otelacct);
  t.after(() => stop(otelacct));
  const served = JSON.parse(await log.line(/"serving metrics"/)) as { url: string };
  const target = new URL(served.url);
  // /metrics answers during the read (counts so far): the file's totals are final from this line.
  await log.line(/"file read; serving/);

  // The exposition itself passes promtool's linter.
  const text = await (await fetch(served.url)).text();
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(lint.status, 0, `promtool check metrics: ${lint.stdout}${lint.stderr}`);
  assert.deepEqual(sumBy(parseExposition(text), 'otelacct_traffic_bytes_total', ['source_address', 'destination_address']), want);

  const promPort = await freePort();
  const config = join(tmp.path, 'prometheus.yml');
  writeFileSync(config, [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    'scrape_configs:',
    '  - job_name: otelacct',
    `    metrics_path: ${target.pathname}`,
    `    static_configs: [ { targets: ["${target.host}"] } ]`,
  ].join('\n') + '\n');
  const check = spawnSync('promtool', ['check', 'config', config], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  const prom = spawn('prometheus', [
    `--config.file=${config}`, `--storage.tsdb.path=${join(tmp.path, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const promLog = new OutputWatch(prom);
  t.after(() => stop(prom));
  const base = `http://127.0.0.1:${promPort}`;
  await waitFor(`prometheus ready (${promLog.text})`, async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined), 30_000, 200);

  const results = await waitFor('scraped traffic series', async () => {
    const r = await query(base, 'otelacct_traffic_bytes_total');
    return r.length === want.size ? r : undefined;
  }, 30_000, 250);
  const got = new Map(results.map((r) => [`${r.metric.source_address},${r.metric.destination_address}`, Number(r.value[1])]));
  assert.deepEqual(got, want);
  const up = await query(base, 'up{job="otelacct"}');
  assert.equal(up[0]?.value[1], '1');
  const packets = await query(base, 'sum(otelacct_traffic_packets_total)');
  assert.equal(packets[0]?.value[1], '201');
  // Resource attributes reach Prometheus as target_info.
  const info = await query(base, 'target_info');
  assert.equal(info[0]?.metric.service_name, 'otelacct');
});
