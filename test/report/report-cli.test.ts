import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { BILLED_AGGREGATIONS } from '../../src/report/aggregations.ts';
import { computeBilling, NoDataError } from '../../src/report/billing.ts';
import type { InstantQuery } from '../../src/report/prometheus-api.ts';
import { formatCsv, formatJson, formatTable, siBytes } from '../../src/report/report-format.ts';
import { parseReportArgs, ReportUsageError, type ReportOptions } from '../../src/report/report-options.ts';
import { planSlotPercentile } from '../../src/report/slot-percentile.ts';
import { parseDate, parseDuration } from '../../src/report/time-values.ts';
import { runOtelacct } from '../support/run-otelacct.ts';
import { promQuantile } from './synthetic-month.ts';

describe('report flags', () => {
  const month = ['--from', '2026-10-01', '--to', '2026-11-01'];

  it('takes defaults, dates in UTC and the previous month when no dates are given', () => {
    const o = parseReportArgs(month) as ReportOptions;
    assert.equal(o.prometheus.href, 'http://localhost:9090/');
    assert.deepEqual([o.fromMs, o.toMs], [Date.UTC(2026, 9, 1), Date.UTC(2026, 10, 1)]);
    assert.deepEqual([o.aggregation, o.format, o.percentile, o.stepMs, o.job], ['host', 'table', 95, 300_000, 'otelacct']);
    const d = parseReportArgs([], Date.UTC(2027, 0, 15, 12)) as ReportOptions;
    assert.deepEqual([d.fromMs, d.toMs], [Date.UTC(2026, 11, 1), Date.UTC(2027, 0, 1)]);
    assert.equal(parseReportArgs(['-h']), 'help');
  });

  it('bills a period that has not ended up to its last complete slot, and refuses one with no complete slot', () => {
    const now = Date.UTC(2026, 11, 3, 16, 7, 30);
    const current = parseReportArgs(['--from', '2026-12-01', '--to', '2027-01-01'], now) as ReportOptions;
    assert.deepEqual([current.fromMs, current.toMs, current.billedToMs], [Date.UTC(2026, 11, 1), Date.UTC(2027, 0, 1), Date.UTC(2026, 11, 3, 16, 5)]);
    const past = parseReportArgs(month, now) as ReportOptions;
    assert.equal(past.billedToMs, past.toMs);
    assert.throws(() => parseReportArgs(['--from', '2026-12-03T16:05:00Z', '--to', '2027-01-01'], now), {
      message: '--from 2026-12-03T16:05:00Z: no --step 5m slot of the period has ended yet (now 2026-12-03T16:07:30Z); nothing to bill' });
    assert.throws(() => parseReportArgs(['--from', '2027-01-01', '--to', '2027-02-01'], now), ReportUsageError);
  });

  it('parses dates and durations strictly', () => {
    assert.equal(parseDate('2026-10-01T02:00:00+02:00'), Date.UTC(2026, 9, 1));
    assert.equal(parseDate('2026-02-29'), undefined, '2026 is no leap year');
    assert.equal(parseDate('2026-10-01T25:00:00Z'), undefined);
    assert.equal(parseDate('2026-10-01T00:00:00'), undefined, 'a date-time needs a zone');
    assert.equal(parseDate('1 Oct 2026'), undefined);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('5 m'), undefined);
    assert.equal(parseDuration('0s'), undefined);
  });

  for (const [argv, message] of [
    [['--from', '2026-13-01', '--to', '2026-11-01'], /^--from: "2026-13-01" is not a date/],
    [['--from', '2026-11-01', '--to', '2026-10-01'], /^--to 2026-10-01T00:00:00Z is not after --from/],
    [['--from', '2026-10-01'], /^--to is missing/],
    [[...month, '--step', '7m'], /^--from 2026-10-01T00:00:00Z is not a multiple of --step 7m|^--to .* is not a multiple of --step 7m/],
    [[...month, '--step', 'soon'], /^--step: "soon" is not a duration/],
    [[...month, '--format', 'xml'], /^--format: "xml" is not one of table, csv, json$/],
    [[...month, '--aggregation', 'vlan'], /^--aggregation: "vlan" is not one of host, site$/],
    [[...month, '--percentile', '0'], /^--percentile: "0" is not a number in \(0, 100\]$/],
    [[...month, '--percentile', '101'], /^--percentile: "101"/],
    [[...month, '--prometheus', 'localhost:9090'], /^--prometheus: "localhost:9090" is not an http/],
    [[...month, '--colour'], /^unknown flag '--colour'/],
    [['extra'], /extra/],
  ] as Array<[string[], RegExp]>) {
    it(`rejects ${argv.join(' ')}`, () => {
      assert.throws(() => parseReportArgs(argv), (err: unknown) => err instanceof ReportUsageError && message.test(err.message));
    });
  }

  it('exits 2 with one line on stderr for a bad flag', async () => {
    const r = await runOtelacct(['report', '--from', 'yesterday', '--to', '2026-11-01']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^otelacct report: --from: "yesterday" is not a date .*\(see otelacct report --help\)\n$/);
  });
});

describe('percentile with slots missing', () => {
  // Brute force: N slots, n present values, the rest 0; compare with the plan's answer.
  function viaPlan(q: number, values: number[], slots: number): number {
    const plan = planSlotPercentile(q, slots, values.length);
    if (plan.kind === 'direct') return promQuantile(q, values);
    if (plan.kind === 'zero') return 0;
    if (plan.kind === 'scaled-min') return Math.min(...values) * plan.factor;
    return promQuantile(plan.quantile, values);
  }
  for (const [q, n, slots] of [[0.95, 20, 20], [0.95, 10, 20], [0.95, 3, 20], [0.95, 1, 20], [0.95, 1, 100], [0.5, 7, 10], [0.99, 2, 50], [1, 5, 9]]) {
    it(`q=${q}, ${n} of ${slots} slots`, () => {
      const values = Array.from({ length: n }, (_, i) => 1000 + ((i * 7919) % 97) * 13);
      const all = [...values, ...Array<number>(slots - n).fill(0)];
      assert.ok(Math.abs(viaPlan(q, values, slots) - promQuantile(q, all)) < 1e-9);
    });
  }
});

describe('report formats', () => {
  const rows = [
    { key: '192.0.2.9', inBits: 12_345_678.4, outBits: 999.6, inBytes: 1_234_567_890_123, outBytes: 512 },
    { key: 'a,"b"', inBits: 0, outBits: 0, inBytes: 0, outBytes: 0 },
  ];
  const october = { fromMs: Date.UTC(2026, 9, 1), toMs: Date.UTC(2026, 10, 1), billedToMs: Date.UTC(2026, 10, 1) };
  const layout = { column: 'host', percentile: 95, period: october };
  const partial = { ...layout, period: { ...october, billedToMs: Date.UTC(2026, 9, 3, 16, 5) } };

  it('writes CSV with a header, quoting where needed', () => {
    assert.equal(formatCsv(rows, layout), 'host,in_p95_mbps,out_p95_mbps,in_bytes,out_bytes\n192.0.2.9,12.345678,0.001,1234567890123,512\n"a,""b""",0,0,0,0\n');
  });

  it('writes a JSON array keyed like the CSV, with the period billed', () => {
    assert.deepEqual(JSON.parse(formatJson(rows, layout))[0], { host: '192.0.2.9', in_p95_mbps: 12.345678, out_p95_mbps: 0.001, in_bytes: 1234567890123, out_bytes: 512,
      from: '2026-10-01T00:00:00Z', to: '2026-11-01T00:00:00Z', partial: false });
    assert.deepEqual(JSON.parse(formatJson(rows, partial))[1], { host: 'a,"b"', in_p95_mbps: 0, out_p95_mbps: 0, in_bytes: 0, out_bytes: 0,
      from: '2026-10-01T00:00:00Z', to: '2026-10-03T16:05:00Z', partial: true });
    assert.equal(formatJson([], layout), '[]\n');
  });

  it('says above the table when the period is partial; CSV stays plain', () => {
    const lines = formatTable(rows, partial).split('\n');
    assert.equal(lines[0], 'partial period: billed 2026-10-01T00:00:00Z to 2026-10-03T16:05:00Z of 2026-10-01T00:00:00Z to 2026-11-01T00:00:00Z (the rest has not happened yet)');
    assert.equal(lines.slice(1).join('\n'), formatTable(rows, layout));
    assert.equal(formatCsv(rows, partial), formatCsv(rows, layout));
  });

  it('aligns the table', () => {
    const lines = formatTable(rows, layout).trimEnd().split('\n');
    assert.equal(lines[0], 'host       in p95 Mbit/s  out p95 Mbit/s       in    out');
    assert.equal(lines[1], '192.0.2.9          12.35            0.00  1.23 TB  512 B');
    assert.equal(new Set(lines.map((l) => l.length)).size, 1);
    assert.equal(siBytes(999), '999 B');
    assert.equal(siBytes(1500), '1.50 kB');
  });
});

describe('report errors from Prometheus', () => {
  let server: Server | undefined;
  after(() => server?.close());

  async function serve(status: number, body: string): Promise<string> {
    server?.close();
    server = createServer((_, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const month = ['--from', '2026-10-01', '--to', '2026-11-01'];

  it('names the HTTP status of a failing server', async () => {
    const url = await serve(503, 'overloaded');
    const r = await runOtelacct(['report', '--prometheus', url, ...month]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `otelacct report: Prometheus at ${url} answered HTTP 503 Service Unavailable\n`);
  });

  it('passes on the error message of a rejected query', async () => {
    const url = await serve(422, JSON.stringify({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' }));
    const r = await runOtelacct(['report', '--prometheus', url, ...month]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `otelacct report: Prometheus at ${url} rejected the query (execution): query processing would load too many samples into memory in query execution\n`);
  });

  it('rejects an answer that is not a query result', async () => {
    const url = await serve(200, '<html>login</html>');
    const r = await runOtelacct(['report', '--prometheus', url, ...month]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^otelacct report: Prometheus at .* answered something other than a query result: <html>login<\/html>\n$/);
  });
});

describe('billing queries', () => {
  it('asks Prometheus for counts, quantiles and totals, and re-asks for rows with slots missing', async () => {
    // 10 slots; host a has all, b has 4 (rank 0.5 x 9 - 6 = -1.5: zero), c has 9 (rank 4.5 - 1 = 3.5:
    // quantile 3.5 / 8), d has 5 and q = 0.5 (rank 4.5 - 5 = -0.5: half its smallest value).
    const seen: string[] = [];
    const count: Record<string, number> = { a: 10, b: 4, c: 9, d: 5 };
    const query: InstantQuery = async (promql, time) => {
      seen.push(promql);
      assert.equal(time, Date.UTC(2026, 9, 1, 0, 50));
      const sample = (host: string, value: number) => ({ labels: { otelacct_local_address: host, network_io_direction: 'receive' }, value });
      if (promql.startsWith('count_over_time(')) return Object.entries(count).map(([h, n]) => sample(h, n));
      if (promql.startsWith('sum by')) return [sample('a', 1e6), sample('z', 5), { labels: { otelacct_traffic_class: 'transit' }, value: 9 }];
      const q = Number(/^quantile_over_time\(([^,]+),/.exec(promql)![1]);
      if (q === 0.5) return [sample('a', 100), sample('b', 7), sample('c', 50), sample('d', 60)];
      if (q === 0) return [sample('d', 40)];
      assert.match(promql, /otelacct_local_address=~"c"/);
      return [sample('c', q * 1000)];
    };
    const rows = await computeBilling(query, { aggregation: BILLED_AGGREGATIONS.host, job: 'otelacct', periodMs: 50 * 60_000,
      stepMs: 5 * 60_000, quantile: 0.5, toMs: Date.UTC(2026, 9, 1, 0, 50) });
    assert.deepEqual(rows.map((r) => [r.key, r.inBits, r.inBytes]), [['a', 100, 1e6], ['b', 0, 0], ['c', (3.5 / 8) * 1000, 0], ['d', 20, 0], ['z', 0, 5]]);
    assert.equal(seen.length, 5);
    assert.ok(seen.some((q) => q.startsWith('quantile_over_time(0, ') && q.includes('otelacct_local_address=~"d"')));
    assert.match(seen[0], /^count_over_time\(\(8 \* sum by \(otelacct_local_address, network_io_direction\) \(rate\(otelacct_host_bytes_total\{job="otelacct",network_io_direction=~"receive\|transmit"\}\[300s\]\)\)\)\[2999999ms:300s\]\)$/);
  });

  it('says there is no data when nothing matches', async () => {
    await assert.rejects(computeBilling(async () => [], { aggregation: BILLED_AGGREGATIONS.site, job: '', periodMs: 600_000, stepMs: 300_000,
      quantile: 0.95, toMs: 600_000 }), (err: unknown) => err instanceof NoDataError && err.message === 'no data in otelacct_site_bytes_total in this period');
  });
});

describe('report for the current month', () => {
  it('queries only the slots that have ended and says the period is partial (exit 0)', async () => {
    const seen: Array<{ query: string; time: number }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
        const form = new URLSearchParams(body);
        const query = form.get('query')!;
        const time = Math.round(Number(form.get('time')) * 1000);
        seen.push({ query, time });
        const slots = Math.round((time - from) / 300_000);
        const value = query.startsWith('count_over_time(') ? slots : query.startsWith('sum by') ? 1e9 : 8e6;
        const result = [{ metric: { otelacct_local_address: '192.0.2.7', network_io_direction: 'receive' }, value: [time / 1000, String(value)] }];
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    after(() => server.close());
    const now = new Date();
    const from = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const to = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const before = Date.now();
    const r = await runOtelacct(['report', '--prometheus', base, '--from', day(from), '--to', day(to)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(seen.length, 3);
    const billedTo = seen[0].time;
    for (const q of seen) assert.equal(q.time, billedTo, 'every query at the same instant');
    assert.ok(billedTo % 300_000 === 0 && billedTo <= Date.now() && billedTo > before - 300_000, `billed to ${new Date(billedTo).toISOString()}, a slot end before now`);
    assert.ok(seen.every((q) => !q.query.includes('[') || q.query.includes(`[${billedTo - from - 1}ms:300s]`) || q.query.includes(`[${(billedTo - from) / 1000}s]`)), seen.map((q) => q.query).join('\n'));
    const note = `partial period: billed ${day(from)}T00:00:00Z to ${new Date(billedTo).toISOString().replace('.000Z', 'Z')} of ${day(from)}T00:00:00Z to ${day(to)}T00:00:00Z (the rest has not happened yet)`;
    assert.equal(r.stderr, `otelacct report: ${note}\n`);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], note);
    assert.match(lines[2], /^192\.0\.2\.7\s+8\.00\s+0\.00\s+1\.00 GB\s+0 B$/, r.stdout);
  });
});
