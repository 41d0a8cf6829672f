import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { DataPoint, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { loadConfig } from '../../src/config/load.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { Logger } from '../../src/log.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { ipv4Packet } from '../support/frames.ts';
import { OtlpReceiver, sumPoints } from '../support/otlp-receiver.ts';

const quiet = new Logger('error', () => {});

function pipeline(flags: string[], now?: () => number, env: NodeJS.ProcessEnv = {}): Pipeline {
  const { config } = loadConfig(['--no-prometheus', ...flags], {});
  return new Pipeline(config, quiet, { outputReader: true, now, env });
}

/** Sends one packet from `src` (a number, as an IPv4 address) to 10.255.255.1. */
function send(p: Pipeline, src: number, payload = 0): void {
  const s = `${(src >>> 24) & 255}.${(src >>> 16) & 255}.${(src >>> 8) & 255}.${src & 255}`;
  const pkt = ipv4Packet({ src: s, dst: '10.255.255.1', proto: 17, srcPort: 1, dstPort: 2, payloadLength: payload });
  p.accountant.packet(pkt, 0, pkt.length, pkt.length, LinkType.RAW, 0);
}

function points(rm: ResourceMetrics, name: string): DataPoint<number>[] {
  return rm.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as DataPoint<number>[]);
}

test('fake clock: a series leaves after idleTimeout and returns from zero with a new start time', async () => {
  let now = Date.UTC(2026, 10, 1);
  const p = pipeline(['--idle-timeout', '60', '--dimensions', 'source.address'], () => now);
  send(p, 0x0a000001, 60); // 10.0.0.1, 88 bytes
  send(p, 0x0a000002, 0); // 10.0.0.2, 28 bytes
  let rm = await p.telemetry.collectOutput();
  assert.equal(points(rm, 'otelacct.traffic.bytes').length, 2);
  now += 45_000;
  send(p, 0x0a000002, 0);
  rm = await p.telemetry.collectOutput();
  now += 30_000; // 10.0.0.1 idle 75 s, 10.0.0.2 idle 30 s
  rm = await p.telemetry.collectOutput();
  const left = points(rm, 'otelacct.traffic.bytes');
  assert.deepEqual(left.map((d) => [d.attributes['source.address'], d.value]), [['10.0.0.2', 56]]);
  now += 10_000;
  send(p, 0x0a000001, 10);
  rm = await p.telemetry.collectOutput();
  const back = points(rm, 'otelacct.traffic.bytes').find((d) => d.attributes['source.address'] === '10.0.0.1')!;
  assert.equal(back.value, 38, 'restarted from zero');
  assert.equal(back.startTime[0], Math.floor(now / 1000), 'new start time');
  await p.stop();
});

test('churn: fresh addresses every interval; series held stay at the limit and the sum is the total', async () => {
  let now = 0;
  const p = pipeline(['--idle-timeout', '5', '--dimensions', 'source.address', '--cardinality-limit', '200'], () => now);
  let total = 0;
  let src = 0x0b000000;
  for (let interval = 0; interval < 60; interval++) {
    for (let i = 0; i < 500; i++) { send(p, src++, i % 20); total += 28 + (i % 20); }
    now += 1_000;
    const rm = await p.telemetry.collectOutput();
    const bytes = points(rm, 'otelacct.traffic.bytes');
    assert.ok(bytes.length <= 200, `interval ${interval}: ${bytes.length} series`);
    assert.ok(p.traffic.stats().series <= 2 * 200);
  }
  // Series expire, so the cumulative sum now covers only what has not expired; the total is
  // conserved in the sense that nothing was lost before expiry: check on a no-expiry run below.
  assert.ok(p.traffic.stats().expired > 0);
  await p.stop();

  const q = pipeline(['--idle-timeout', '0', '--dimensions', 'source.address', '--cardinality-limit', '200']);
  let qTotal = 0;
  for (let interval = 0; interval < 20; interval++) {
    for (let i = 0; i < 500; i++) { send(q, src++, i % 20); qTotal += 28 + (i % 20); }
    await q.telemetry.collectOutput();
  }
  const rm = await q.telemetry.collectOutput();
  const bytes = points(rm, 'otelacct.traffic.bytes');
  assert.equal(bytes.length, 200);
  assert.equal(bytes.reduce((a, d) => a + d.value, 0), qTotal, 'sum equals total');
  assert.equal(q.accountant.totalBytes, qTotal);
  await q.stop();
  void total;
});

test('Prometheus never scraped while OTLP pushes every 100 ms under address churn: memory stays flat', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const rx = new OtlpReceiver(1);
  const base = await rx.start();
  const { config } = loadConfig(['--prometheus-port', '0', '--prometheus-host', '127.0.0.1', '--dimensions', 'source.address',
    '--cardinality-limit', '1000', '--idle-timeout', '1'], { OTEL_METRIC_EXPORT_INTERVAL: '100' });
  const p = await Pipeline.create(config, quiet, { outputReader: false, env: { OTEL_EXPORTER_OTLP_ENDPOINT: base } });
  await p.serve();
  let src = 0x0c000000;
  const heap: number[] = [];
  const deadline = Date.now() + 8_000;
  while (Date.now() < deadline) {
    for (let i = 0; i < 2000; i++) send(p, src++);
    await new Promise((r) => setTimeout(r, 20));
    if (rx.received.length > 0 && heap.length < Math.floor((8_000 - (deadline - Date.now())) / 1000)) {
      gc();
      heap.push(process.memoryUsage().heapUsed);
    }
  }
  await p.stop();
  await rx.stop();
  assert.ok(rx.count >= 20, `${rx.count} OTLP exports`);
  const last = rx.received.at(-1)!.body;
  assert.ok(sumPoints(last, 'otelacct.traffic.bytes', ['source.address']).size <= 1000);
  assert.ok(heap.length >= 5, `heap samples: ${heap}`);
  const growth = heap.at(-1)! - heap[1];
  assert.ok(growth < 8 * 1024 * 1024, `heap grew ${(growth / 1048576).toFixed(1)} MiB while ${src - 0x0c000000} fresh addresses went through: ${heap.map((h) => (h / 1048576).toFixed(1)).join(', ')}`);
});

test('a reader that is never collected costs nothing: 3000 collections by another reader leave the heap flat', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // Prometheus enabled (never scraped) + the output reader, collected over and over.
  const { config } = loadConfig(['--prometheus-port', '0', '--dimensions', 'source.address'], {});
  const p = await Pipeline.create(config, quiet, { outputReader: true });
  for (let i = 0; i < 50; i++) { send(p, 0x0d000000 + i); await p.telemetry.collectOutput(); }
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 3000; i++) { send(p, 0x0d000000 + (i % 50)); await p.telemetry.collectOutput(); }
  gc();
  const growth = process.memoryUsage().heapUsed - before;
  await p.stop();
  assert.ok(growth < 4 * 1024 * 1024, `heap grew ${(growth / 1048576).toFixed(1)} MiB over 3000 collections`);
});
