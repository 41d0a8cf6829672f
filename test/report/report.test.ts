import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { previousMonth } from '../../src/report/time-values.ts';
import { freePort, OutputWatch, stop, waitFor } from '../support/processes.ts';
import { startAuthProxy } from '../support/auth-proxy.ts';
import { makePki } from '../support/certs.ts';
import { TempDir } from '../support/read-capture.ts';
import { unmet } from '../support/requirements.ts';
import { runOtelacct } from '../support/run-otelacct.ts';
import {
  expectedPercentile, MINUTE, promIncrease, pseudoRandom, SLOT, writeOpenMetrics, type SyntheticSeries,
} from './synthetic-month.ts';

// A real Prometheus over a backfilled month: the previous calendar month (so that the data is
// always within retention), 60 s samples, 5-minute slots.
const { from, to } = previousMonth(Date.now());
const DAY = 24 * 60 * MINUTE;
const HOUR = 60 * MINUTE;
const start = from - HOUR;
const meter = (instance: string) => ({ job: 'otelacct', instance });
const host = (addr: string, dir: string, instance = 'meter1:9464', cls = dir === 'receive' ? 'inbound' : 'outbound') =>
  ({ ...meter(instance), otelacct_local_address: addr, network_io_direction: dir, otelacct_traffic_class: cls });
const big = (seed: number) => (end: number) => (end <= from ? 50_000_000 : pseudoRandom(seed, (end - from) / SLOT, 10_000, 2_000_000));

const series: Record<string, SyntheticSeries> = {
  // 192.0.2.10: whole month; out restarts (meter restart) mid-month; a copy of "in" that came
  // through the collector (job otel-collector) must not be counted.
  h10in: { metric: 'otelacct_host_bytes_total', labels: host('192.0.2.10', 'receive'), startMs: start, endMs: to, rateAt: big(1) },
  h10out: { metric: 'otelacct_host_bytes_total', labels: host('192.0.2.10', 'transmit'), startMs: start, endMs: to, rateAt: big(2),
    resetAtMs: from + 12 * DAY + 7 * MINUTE },
  h10copy: { metric: 'otelacct_host_bytes_total', startMs: start, endMs: to, rateAt: big(1),
    labels: { job: 'otel-collector', exported_job: 'otelacct', instance: 'otel-collector:8889', otelacct_local_address: '192.0.2.10', network_io_direction: 'receive' } },
  // 192.0.2.9: "in" seen by two meters, summed before the percentile; meter2 sees it from a local
  // host (class internal), which is "in" all the same.
  h9inA: { metric: 'otelacct_host_bytes_total', labels: host('192.0.2.9', 'receive'), startMs: start, endMs: to, rateAt: big(3) },
  h9inB: { metric: 'otelacct_host_bytes_total', labels: host('192.0.2.9', 'receive', 'meter2:9464', 'internal'), startMs: start, endMs: to, rateAt: big(4) },
  h9out: { metric: 'otelacct_host_bytes_total', labels: host('192.0.2.9', 'transmit'), startMs: start, endMs: to, rateAt: big(5) },
  // 2001:db8::30: the first 10 days only (zeros for the rest of the month shift the percentile).
  h30in: { metric: 'otelacct_host_bytes_total', labels: host('2001:db8::30', 'receive'), startMs: start, endMs: from + 10 * DAY, rateAt: big(6) },
  h30out: { metric: 'otelacct_host_bytes_total', labels: host('2001:db8::30', 'transmit'), startMs: start, endMs: from + 10 * DAY, rateAt: big(7) },
  // 192.0.2.40: one day only: fewer than 5% of the slots have traffic, so the 95th is 0.
  h40in: { metric: 'otelacct_host_bytes_total', labels: host('192.0.2.40', 'receive'), startMs: start, endMs: from + DAY, rateAt: big(8) },
  // not per-host traffic
  transit: { metric: 'otelacct_host_bytes_total', labels: { ...meter('meter1:9464'), otelacct_traffic_class: 'transit' }, startMs: start, endMs: to, rateAt: big(9) },
  overflow: { metric: 'otelacct_host_bytes_total', labels: { ...meter('meter1:9464'), otel_metric_overflow: 'true' }, startMs: start, endMs: to, rateAt: big(10) },
  dc1in: { metric: 'otelacct_site_bytes_total', startMs: start, endMs: to, rateAt: big(11),
    labels: { ...meter('meter1:9464'), otelacct_local_network: 'dc1', network_io_direction: 'receive', otelacct_traffic_class: 'inbound' } },
  dc1out: { metric: 'otelacct_site_bytes_total', startMs: start, endMs: to, rateAt: big(12),
    labels: { ...meter('meter1:9464'), otelacct_local_network: 'dc1', network_io_direction: 'transmit', otelacct_traffic_class: 'outbound' } },
  unknownIn: { metric: 'otelacct_site_bytes_total', startMs: start, endMs: to, rateAt: () => 1000,
    labels: { ...meter('meter1:9464'), otelacct_local_network: 'unknown', network_io_direction: 'receive', otelacct_traffic_class: 'inbound' } },
};

interface Expected { key: string; inBits: number; outBits: number; inBytes: number; outBytes: number }

function expected(key: string, ins: SyntheticSeries[], outs: SyntheticSeries[], q: number): Expected {
  const bytes = (list: SyntheticSeries[]) => Math.round(list.reduce((sum, s) => sum + promIncrease(s, from, to), 0));
  return {
    key,
    inBits: ins.length ? expectedPercentile(ins, q, from, to) : 0,
    outBits: outs.length ? expectedPercentile(outs, q, from, to) : 0,
    inBytes: bytes(ins),
    outBytes: bytes(outs),
  };
}

/** Compares a report row (Mbit/s to 6 decimals, bytes) with the exact expectation. */
function assertRow(row: Record<string, unknown>, want: Expected, column: string, p = 95): void {
  assert.equal(row[column], want.key);
  // The report rounds to whole bit/s; its follow-up quantile for partial rows may differ from the
  // exact value in the last bits, so allow one unit of the rounding.
  assert.ok(Math.abs(Number(row[`in_p${p}_mbps`]) - Math.round(want.inBits) / 1e6) <= 1.000001e-6, `${want.key} in: ${row[`in_p${p}_mbps`]} vs ${want.inBits / 1e6}`);
  assert.ok(Math.abs(Number(row[`out_p${p}_mbps`]) - Math.round(want.outBits) / 1e6) <= 1.000001e-6, `${want.key} out: ${row[`out_p${p}_mbps`]} vs ${want.outBits / 1e6}`);
  assert.equal(row.in_bytes, want.inBytes, `${want.key} in bytes`);
  assert.equal(row.out_bytes, want.outBytes, `${want.key} out bytes`);
}

describe('otelacct report against a real Prometheus', { timeout: 90_000 }, () => {
  const tmp = new TempDir();
  let base = '';
  let skipped: string | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];

  before(async () => {
    skipped = unmet({ tools: ['prometheus', 'promtool'] });
    if (skipped) return;
    const om = join(tmp.path, 'month.om');
    writeOpenMetrics(om, Object.values(series));
    const data = join(tmp.path, 'data');
    const made = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=768h', '--quiet', om, data], { encoding: 'utf8' });
    assert.equal(made.status, 0, `promtool tsdb create-blocks-from: ${made.stdout}${made.stderr}`);
    const port = await freePort();
    const config = join(tmp.path, 'prometheus.yml');
    spawnSync('sh', ['-c', `printf 'global: {}\\n' > ${config}`]);
    const prom = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${data}`, '--storage.tsdb.retention.time=1y',
      `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const log = new OutputWatch(prom);
    cleanups.push(() => stop(prom));
    base = `http://127.0.0.1:${port}`;
    await waitFor(`prometheus ready (${log.text})`, async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined), 30_000, 200);
  });
  after(async () => {
    for (const c of cleanups) await c();
    tmp.dispose();
  });

  const period = ['--from', new Date(from).toISOString().slice(0, 10), '--to', new Date(to).toISOString().slice(0, 10)];

  it('prints the exact 95th percentile and totals per host as JSON', async (t) => {
    if (skipped) return t.skip(skipped);
    const r = await runOtelacct(['report', '--prometheus', base, ...period, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(rows.map((row) => row.host), ['192.0.2.9', '192.0.2.10', '192.0.2.40', '2001:db8::30']);
    const s = series;
    assertRow(rows[0], expected('192.0.2.9', [s.h9inA, s.h9inB], [s.h9out], 0.95), 'host');
    assertRow(rows[1], expected('192.0.2.10', [s.h10in], [s.h10out], 0.95), 'host');
    assertRow(rows[2], expected('192.0.2.40', [s.h40in], [], 0.95), 'host');
    assertRow(rows[3], expected('2001:db8::30', [s.h30in], [s.h30out], 0.95), 'host');
    assert.equal(rows[2].in_p95_mbps, 0, 'one day of 31 is under 5% of the slots');
    assert.ok(Number(rows[3].in_p95_mbps) > 0);
  });

  it('prints CSV with a header, a table aligned in columns, per site, at another percentile', async (t) => {
    if (skipped) return t.skip(skipped);
    const [csv, table, site] = await Promise.all([
      runOtelacct(['report', '--prometheus', base, ...period, '--format', 'csv']),
      runOtelacct(['report', '--prometheus', base, ...period]),
      runOtelacct(['report', '--prometheus', base, ...period, '--aggregation', 'site', '--percentile', '90', '--format', 'json']),
    ]);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'host,in_p95_mbps,out_p95_mbps,in_bytes,out_bytes');
    assert.equal(lines.length, 5);
    const h10 = lines.find((l) => l.startsWith('192.0.2.10,'))!.split(',');
    assertRow({ host: h10[0], in_p95_mbps: Number(h10[1]), out_p95_mbps: Number(h10[2]), in_bytes: Number(h10[3]), out_bytes: Number(h10[4]) },
      expected('192.0.2.10', [series.h10in], [series.h10out], 0.95), 'host');

    assert.equal(table.code, 0, table.stderr);
    const rows = table.stdout.trimEnd().split('\n');
    assert.match(rows[0], /^host\s+in p95 Mbit\/s\s+out p95 Mbit\/s\s+in\s+out$/);
    assert.equal(new Set(rows.map((l) => l.length)).size, 1, `every line as wide:\n${table.stdout}`);
    assert.match(rows[1], /^192\.0\.2\.9\s+\d+\.\d\d\s+\d+\.\d\d\s+\d+\.\d\d [kMGT]B\s+\d+\.\d\d [kMGT]B$/);

    assert.equal(site.code, 0, site.stderr);
    const sites = JSON.parse(site.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(sites.map((row) => row.site), ['dc1', 'unknown']);
    assertRow(sites[0], expected('dc1', [series.dc1in], [series.dc1out], 0.9), 'site', 90);
    assertRow(sites[1], expected('unknown', [series.unknownIn], [], 0.9), 'site', 90);
    assert.equal(sites[1].in_p90_mbps, 0.008);
  });

  it('counts every job with --job ""', async (t) => {
    if (skipped) return t.skip(skipped);
    const r = await runOtelacct(['report', '--prometheus', base, ...period, '--format', 'json', '--job', '']);
    assert.equal(r.code, 0, r.stderr);
    const row = (JSON.parse(r.stdout) as Array<Record<string, unknown>>).find((x) => x.host === '192.0.2.10')!;
    assert.equal(row.in_bytes, expected('192.0.2.10', [series.h10in, series.h10copy], [], 0.95).inBytes);
  });

  it('gives the same report through TLS with a client certificate, a bearer token and a tenant header (as in front of Mimir)', async (t) => {
    if (skipped) return t.skip(skipped);
    const noOpenssl = unmet({ tools: ['openssl'] });
    if (noOpenssl) return t.skip(noOpenssl);
    const pki = makePki(tmp.path);
    const proxy = await startAuthProxy(pki, { authorization: 'Bearer s3cret-token', tenant: 'tenant-1', clientCert: true }, { upstream: base });
    t.after(() => proxy.close());
    const config = join(tmp.path, 'http.yml');
    writeFileSync(join(tmp.path, 'token'), 's3cret-token\n');
    writeFileSync(config, `authorization: {credentials_file: token}\nhttp_headers: {X-Scope-OrgID: {values: [tenant-1]}}\n`
      + `tls_config: {ca_file: ${pki.caCert}, cert_file: ${pki.clientCert}, key_file: ${pki.clientKey}}\n`);
    const [direct, secured] = await Promise.all([
      runOtelacct(['report', '--prometheus', base, ...period, '--format', 'json']),
      runOtelacct(['report', '--prometheus', proxy.url, '--http.config.file', config, ...period, '--format', 'json']),
    ]);
    assert.equal(secured.code, 0, secured.stderr);
    assert.equal(secured.stdout, direct.stdout);
    assert.ok(proxy.seen.length > 0 && proxy.seen.every((r) => r.refused === undefined), JSON.stringify(proxy.seen.map((r) => r.refused)));
  });

  it('exits 1 with one line when the period has no data', async (t) => {
    if (skipped) return t.skip(skipped);
    // the two days before the first sample
    const r = await runOtelacct(['report', '--prometheus', base, '--from', new Date(start - 2 * DAY).toISOString(),
      '--to', new Date(start).toISOString()]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^otelacct report: no data in otelacct_host_bytes_total for job "otelacct" in this period \(\S+ to \S+\)\n$/);
  });
});

it('exits 1 with one line when Prometheus cannot be reached', async () => {
  const port = await freePort();
  const r = await runOtelacct(['report', '--prometheus', `http://127.0.0.1:${port}`, '--from', '2026-10-01', '--to', '2026-11-01']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `otelacct report: cannot reach Prometheus at http://127.0.0.1:${port} (ECONNREFUSED)\n`);
});
