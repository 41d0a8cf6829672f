import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { test, type TestContext } from 'node:test';
import { VethNamespace } from '../support/netns.ts';
import { OtlpGrpcReceiver } from '../support/otlp-grpc-receiver.ts';
import { OtlpReceiver, seriesKey, type ReceiverBase } from '../support/otlp-receiver.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { skipUnless } from '../support/requirements.ts';
import { parseExposition, parseLabels, startOtelacct } from '../support/run-otelacct.ts';

/**
 * Live traffic (UDP from the host into a namespace over a veth pair) changes between pushes, so
 * delta points follow each other: series that continue from batch to batch, and new ones.
 */
async function sendBatch(net: VethNamespace, b: number): Promise<void> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, net.hostAddr, r));
  for (let i = 0; i < 40; i++) {
    await new Promise<void>((r, j) => sock.send(Buffer.alloc((i * 37 + b * 11) % 700), 10_000 + (i % 8), net.peerAddr, (err) => (err ? j(err) : r())));
    await new Promise<void>((r, j) => sock.send(Buffer.alloc(i * 3), 20_000 + 10 * b + (i % 5), net.peerAddr, (err) => (err ? j(err) : r())));
  }
  sock.close();
}

interface Point { key: string; value: number; start: bigint; time: bigint; temporality: number }

/** Every sum data point the receiver accepted, in arrival order. */
function sumPoints(rx: ReceiverBase): Point[] {
  const out: Point[] = [];
  for (const r of rx.received) {
    for (const rm of r.body.resourceMetrics) {
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          for (const dp of m.sum?.dataPoints ?? []) {
            out.push({
              key: seriesKey(m.name, dp.attributes), value: Number(dp.asInt ?? dp.asDouble),
              start: BigInt(dp.startTimeUnixNano), time: BigInt(dp.timeUnixNano), temporality: m.sum!.aggregationTemporality,
            });
          }
        }
      }
    }
  }
  return out;
}

/** The exposition's counters as the receiver keys them (OTel names and attributes). */
function exposition(text: string, metric: RegExp, name: (prom: string) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [series, value] of parseExposition(text)) {
    const { name: prom, labels } = parseLabels(series);
    if (!metric.test(prom)) continue;
    const attrs = Object.entries(labels).filter(([k]) => !k.startsWith('otel_scope_')).map(([k, v]) => ({ key: k.replaceAll('_', '.'), value: k.endsWith('_port') ? { intValue: v } : { stringValue: v } }));
    out.set(seriesKey(name(prom), attrs), value);
  }
  return out;
}

let nets = 0;

/**
 * Runs otelacct on a veth while it pushes every 200 ms and the test sends three batches of UDP
 * datagrams, `during` deciding how the receiver answers meanwhile; returns the receiver and the
 * final scrape (taken after the traffic stopped, before the final push of SIGTERM).
 */
async function run(protocol: 'http/protobuf' | 'http/json' | 'grpc', temporality: string, how: 'env' | 'flag', t: TestContext,
  during?: (rx: ReceiverBase) => void): Promise<{ rx: ReceiverBase; scrape: string }> {
  const net = new VethNamespace(++nets);
  t.after(() => net.dispose());
  execFileSync('sysctl', ['-qw', `net.ipv6.conf.${net.hostIf}.disable_ipv6=1`]);
  execFileSync('ip', ['netns', 'exec', net.ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
  const rx = protocol === 'grpc' ? new OtlpGrpcReceiver() : new OtlpReceiver();
  const base = await rx.start();
  t.after(() => rx.stop());
  const args = ['-i', net.hostIf, '--filter', `ip host ${net.peerAddr}`, '--prometheus-host', '127.0.0.1', '--prometheus-port', '0', '--no-web',
    '--dimensions', 'source.address,destination.address,network.transport,destination.port', '--otlp-protocol', protocol,
    '--otlp-endpoint', protocol === 'grpc' ? base : `${base}/v1/metrics`, '--otlp-interval', '200', '--otlp-timeout', '1000'];
  if (how === 'flag') args.push('--otlp-temporality', temporality);
  const child = startOtelacct(args, how === 'env' ? { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: temporality.toUpperCase() } : {});
  const log = new OutputWatch(child);
  t.after(() => stop(child));
  const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
  await log.line(/"capturing"/);
  const pushes = async (n: number) => {
    const from = rx.count + rx.failed;
    await waitFor(`${n} more requests`, () => (rx.count + rx.failed >= from + n ? true : undefined), 20_000, 20);
  };
  during?.(rx);
  for (let b = 0; b < 3; b++) {
    await sendBatch(net, b);
    await pushes(4);
  }
  await pushes(4);
  const scrape = await (await fetch(url)).text();
  rx.mode = 'ok';
  rx.refuse = undefined;
  assert.equal(await stop(child, 'SIGTERM'), 0, log.text);
  assert.deepEqual(rx.problems, []);
  return { rx, scrape };
}

const TRAFFIC = /^otelacct_traffic_(bytes|packets)_total$/;
const trafficName = (prom: string) => prom.replace(/^otelacct_traffic_(\w+)_total$/, 'otelacct.traffic.$1');

/** Per series: the sum of the deltas received (delta), or the last value (cumulative). */
function received(points: Point[], delta: boolean): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of points) out.set(p.key, delta ? (out.get(p.key) ?? 0) + p.value : p.value);
  return out;
}

/** A series' delta points follow each other: each starts where the one before ended. */
function assertContiguous(points: Point[]): void {
  const last = new Map<string, bigint>();
  for (const p of points) {
    assert.ok(p.start <= p.time, `${p.key}: start ${p.start} after time ${p.time}`);
    const prev = last.get(p.key);
    if (prev !== undefined) assert.equal(p.start, prev, `${p.key}: a delta starts at the previous accepted push`);
    last.set(p.key, p.time);
  }
}

for (const protocol of ['http/protobuf', 'http/json', 'grpc'] as const) {
  for (const [temporality, how] of [['cumulative', 'flag'], ['delta', protocol === 'grpc' ? 'flag' : 'env'], ['lowmemory', protocol === 'grpc' ? 'env' : 'flag']] as const) {
    test(`${protocol}, ${temporality} (${how === 'env' ? 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE in upper case' : '--otlp-temporality'}): what the receiver sums up equals /metrics`, async (t) => {
      if (!skipUnless(t, { tools: ['ip', 'sysctl'], root: true })) return;
      const { rx, scrape } = await run(protocol, temporality, how, t);
      const all = sumPoints(rx);
      const traffic = all.filter((p) => p.key.startsWith('otelacct.traffic.'));
      const delta = temporality !== 'cumulative';
      assert.ok(traffic.length > 0);
      assert.ok(traffic.every((p) => p.temporality === (delta ? 1 : 2)), 'traffic temporality');
      const want = exposition(scrape, TRAFFIC, trafficName);
      assert.ok(want.size >= 2 * (8 + 3 * 5), `series: ${want.size}`);
      assert.deepEqual(received(traffic, delta), want);
      // Self-telemetry counters are asynchronous: deltas only under `delta`.
      const frames = all.filter((p) => p.key.startsWith('otelacct.capture.packets'));
      assert.ok(frames.every((p) => p.temporality === (temporality === 'delta' ? 1 : 2)), 'self-telemetry temporality');
      assert.deepEqual(received(frames, temporality === 'delta'), exposition(scrape, /^otelacct_capture_packets_total$/, () => 'otelacct.capture.packets'));
      if (delta) {
        assertContiguous(traffic);
        if (temporality === 'delta') assertContiguous(frames);
        assert.ok(new Set(traffic.map((p) => p.key)).size < traffic.length, 'series that changed again were pushed again');
      } else {
        const starts = new Map<string, bigint>();
        for (const p of traffic) {
          assert.equal(p.start, starts.get(p.key) ?? p.start, `${p.key}: a cumulative series keeps its start`);
          starts.set(p.key, p.start);
        }
      }
    });
  }
}

for (const [protocol, temporality] of [['http/protobuf', 'delta'], ['grpc', 'delta'], ['http/json', 'lowmemory']] as const) {
  test(`${protocol}, ${temporality}: a receiver that refuses (every other request, then an outage of several pushes) loses nothing and counts nothing twice`, async (t) => {
    if (!skipUnless(t, { tools: ['ip', 'sysctl'], root: true })) return;
    let n = 0;
    let outage = false;
    const { rx, scrape } = await run(protocol, temporality, 'flag', t, (r) => {
      r.refuse = () => outage || n++ % 2 === 0;
      setTimeout(() => (outage = true), 700).unref();
      setTimeout(() => (outage = false), 1700).unref();
    });
    assert.ok(rx.failed >= 4, `requests were refused (${rx.failed})`);
    const traffic = sumPoints(rx).filter((p) => p.key.startsWith('otelacct.traffic.'));
    assert.deepEqual(received(traffic, true), exposition(scrape, TRAFFIC, trafficName));
    assertContiguous(traffic);
  });
}
