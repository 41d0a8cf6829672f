import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExportResultCode } from '@opentelemetry/core';
import { AggregationTemporality, type MetricReader, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { NetworkLabels } from '../../src/account/network-labels.ts';
import { SeriesStore } from '../../src/account/series-store.ts';
import { KeyWord } from '../../src/account/flow-key.ts';
import { DeltaBaselines, SelfDeltas } from '../../src/export/delta-baseline.ts';
import { OtlpPush } from '../../src/export/otlp-push.ts';
import { TrafficMetrics } from '../../src/export/traffic-metrics.ts';
import { TestAccounting } from '../support/accounting.ts';
import { ipv4Packet } from '../support/frames.ts';
import { Prng } from '../support/prng.ts';

/** A push exporter that accepts or refuses each request as `accept` says, keeping the accepted ones. */
class FakeExporter implements PushMetricExporter {
  readonly accepted: ResourceMetrics[] = [];
  refused = 0;
  accept: () => boolean = () => true;
  export(metrics: ResourceMetrics, done: (r: { code: ExportResultCode; error?: Error }) => void): void {
    if (this.accept()) {
      this.accepted.push(structuredClone(metrics));
      done({ code: ExportResultCode.SUCCESS });
    } else {
      this.refused++;
      done({ code: ExportResultCode.FAILED, error: new Error('refused') });
    }
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

/** A self-telemetry reader whose one counter is `value` (cumulative from `start`). */
function selfReader(state: { value: number; now: () => number }): MetricReader {
  const start: [number, number] = [1_000, 0];
  return {
    collect: async () => ({
      resourceMetrics: {
        resource: undefined as never,
        scopeMetrics: [{
          scope: { name: 'otelacct' },
          metrics: [{
            descriptor: { name: 'otelacct.export.failures', unit: '{export}', description: '', valueType: 1 },
            aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: 3, isMonotonic: true,
            dataPoints: [{ attributes: {}, value: state.value, startTime: start, endTime: [Math.floor(state.now() / 1000), (state.now() % 1000) * 1e6] }],
          }],
        }],
      },
      errors: [],
    }),
  } as unknown as MetricReader;
}

const hrMs = (t: [number, number]): number => t[0] * 1000 + t[1] / 1e6;

interface Point { key: string; value: number; start: number; end: number; temporality: AggregationTemporality }

/** Every traffic point of the accepted requests, in order. */
function points(ex: FakeExporter, metric: string): Point[] {
  const out: Point[] = [];
  for (const rm of ex.accepted) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        if (m.descriptor.name !== metric) continue;
        for (const dp of m.dataPoints) {
          out.push({ key: JSON.stringify(dp.attributes), value: dp.value as number, start: hrMs(dp.startTime), end: hrMs(dp.endTime), temporality: m.aggregationTemporality });
        }
      }
    }
  }
  return out;
}

for (const seed of [1, 2, 3, 4]) {
  test(`delta pushes under random refusals, expiry and overflow (seed ${seed}): accepted deltas sum to what was counted, per series and in all; start = the last accepted push`, async () => {
    const rng = new Prng(seed);
    const limit = seed % 2 === 0 ? 1000 : 12; // odd seeds: the overflow series and a full store
    const t = new TestAccounting([{ name: 'traffic', dimensions: ['source.address'], cardinalityLimit: limit, idleTimeout: 5, overflowPolicy: 'overflow' }]);
    let clock = 1_700_000_000_000;
    const now = () => clock;
    const traffic = new TrafficMetrics({ accountant: t.accountant, attributes: t.attributes, labels: new NetworkLabels(), onError: (e) => assert.fail(String(e)), now });
    const exporter = new FakeExporter();
    const state = { value: 0, now };
    const push = new OtlpPush({ exporter, self: selfReader(state), traffic, intervalMs: 1e9, timeoutMs: 1000, maxPoints: 3, onFailure: () => {}, temporality: 'delta' });
    const truth = new Map<string, number>();
    let expired = 0;
    for (let round = 0; round < 120; round++) {
      const sources = 1 + rng.int(6);
      for (let k = 0; k < sources; k++) {
        const src = `10.0.0.${rng.int(30)}`;
        const packet = ipv4Packet({ src, dst: '10.9.9.9', proto: 17, srcPort: 1, dstPort: 2, payloadLength: rng.int(100) });
        t.add(packet);
        truth.set(src, (truth.get(src) ?? 0) + packet.length);
      }
      clock += 500 + rng.int(3000);
      state.value += rng.int(3);
      const refuseRate = round % 20 < 8 ? 0.9 : 0.2; // long outages and scattered refusals
      exporter.accept = () => rng.unit() >= refuseRate;
      if (rng.int(3) === 0) {
        // A scrape: flushes and expires (without touching the baselines).
        await traffic.flush();
        for (const chunk of traffic.chunks(5, 'bytes')) assert.ok(chunk.length > 0);
      }
      await push.push();
      expired = traffic.stats().expired;
    }
    exporter.accept = () => true;
    clock += 1000;
    await push.push();
    assert.ok(expired > 0, 'series expired along the way');
    assert.ok(exporter.refused > 20, 'requests were refused along the way');

    const bytes = points(exporter, 'otelacct.traffic.bytes');
    assert.ok(bytes.every((p) => p.temporality === AggregationTemporality.DELTA && p.value > 0), 'delta points, unchanged series left out');
    const total = bytes.reduce((a, p) => a + p.value, 0);
    assert.equal(total, t.accountant.totalBytes, 'accepted deltas sum to everything counted');
    const packetsTotal = points(exporter, 'otelacct.traffic.packets').reduce((a, p) => a + p.value, 0);
    assert.equal(packetsTotal, t.accountant.totalPackets);
    if (limit === 1000) {
      const bySource = new Map<string, number>();
      for (const p of bytes) {
        const src = (JSON.parse(p.key) as Record<string, string>)['source.address'];
        bySource.set(src, (bySource.get(src) ?? 0) + p.value);
      }
      assert.deepEqual(bySource, truth, 'per series, across expiry and restart');
    } else {
      assert.ok(bytes.some((p) => p.key.includes('otel.metric.overflow')), 'the overflow series is pushed as deltas too');
    }
    // Start times: a series' next point starts where its last accepted one ended, unless the
    // series expired in between (then it restarts later, from its new start).
    const lastEnd = new Map<string, number>();
    let contiguous = 0;
    for (const p of bytes) {
      const prev = lastEnd.get(p.key);
      assert.ok(p.start <= p.end, 'start not after end');
      if (prev !== undefined) {
        assert.ok(p.start >= prev, `${p.key}: starts at or after its last accepted push (${p.start} < ${prev})`);
        if (p.start === prev) contiguous++;
      }
      lastEnd.set(p.key, p.end);
    }
    assert.ok(contiguous > 10, `most points continue from the last accepted push (${contiguous})`);
    // Self-telemetry counters (asynchronous) are deltas too under 'delta'.
    const selfPoints = points(exporter, 'otelacct.export.failures');
    assert.equal(selfPoints.reduce((a, p) => a + p.value, 0), state.value);
    assert.ok(selfPoints.every((p) => p.temporality === AggregationTemporality.DELTA));
  });
}

test('lowmemory: traffic counters as deltas, self-telemetry counters cumulative; cumulative: both cumulative', async () => {
  for (const temporality of ['lowmemory', 'cumulative'] as const) {
    const t = new TestAccounting([{ name: 'traffic', dimensions: ['source.address'] }]);
    let clock = 1_700_000_000_000;
    const now = () => clock;
    const traffic = new TrafficMetrics({ accountant: t.accountant, attributes: t.attributes, labels: new NetworkLabels(), onError: (e) => assert.fail(String(e)), now });
    const exporter = new FakeExporter();
    const state = { value: 5, now };
    const push = new OtlpPush({ exporter, self: selfReader(state), traffic, intervalMs: 1e9, timeoutMs: 1000, maxPoints: 10, onFailure: () => {}, temporality });
    t.add(ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, srcPort: 1, dstPort: 2 }));
    await push.push();
    clock += 1000;
    state.value = 7;
    t.add(ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, srcPort: 1, dstPort: 2 }));
    await push.push();
    const bytes = points(exporter, 'otelacct.traffic.bytes');
    const self = points(exporter, 'otelacct.export.failures');
    const want = temporality === 'lowmemory' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
    assert.deepEqual(bytes.map((p) => [p.value, p.temporality]), [[28, want], [temporality === 'lowmemory' ? 28 : 56, want]], temporality);
    if (temporality === 'lowmemory') assert.equal(bytes[1].start, bytes[0].end, 'the second delta starts at the first push');
    else assert.equal(bytes[1].start, bytes[0].start, 'cumulative: the series start');
    assert.deepEqual(self.map((p) => [p.value, p.temporality]), [[5, AggregationTemporality.CUMULATIVE], [7, AggregationTemporality.CUMULATIVE]], temporality);
  }
});

test('baselines follow expiry\'s compaction and keep an idle series whose change was not accepted yet', () => {
  const store = new SeriesStore({ words: [KeyWord.A], limit: 100, idleMs: 10, policy: 'overflow', rollable: false, localSide: false });
  const delta = new DeltaBaselines([store]);
  const key = new Uint32Array(1);
  const add = (a: number, b: number, at: number) => {
    key[0] = a;
    store.add(key, 0, b, 1, at);
  };
  const pushAll = (at: number, accept: boolean): Map<number, [number, number]> => {
    const out = new Map<number, [number, number]>();
    delta.begin(0, at);
    for (let e = 0; e < store.size; e++) if (delta.change(e)) out.set(store.keys[e], [delta.bytes, delta.since]);
    if (accept) delta.commit();
    else delta.discard();
    return out;
  };
  for (let a = 1; a <= 5; a++) add(a, 100 * a, 1000);
  assert.equal(pushAll(1001, true).size, 5);
  add(2, 7, 1005);
  add(4, 9, 1005);
  add(5, 11, 1020);
  assert.deepEqual(pushAll(1021, false), new Map([[2, [7, 1001]], [4, [9, 1001]], [5, [11, 1001]]]), 'refused');
  // At 1030: 1 and 3 (last change 1000, pushed) expire; 2 and 4 (last change 1005) are idle but
  // their change was refused: they stay. 5 is not idle.
  assert.equal(store.expire(1030), 2);
  assert.deepEqual(new Set(store.keys.subarray(0, store.size)), new Set([2, 4, 5]));
  add(6, 60, 1031); // appended where an expired entry's baseline used to be
  assert.deepEqual(pushAll(1032, true), new Map([[2, [7, 1001]], [4, [9, 1001]], [5, [11, 1001]], [6, [60, 1031]]]), 'moved baselines, a fresh one for the new entry');
  assert.equal(store.expire(1040), 3, 'once accepted, the idle ones go');
  assert.deepEqual(new Set(store.keys.subarray(0, store.size)), new Set([6]));
  add(6, 1, 1041);
  add(5, 1, 1041);
  assert.deepEqual(pushAll(1042, true), new Map([[6, [1, 1032]], [5, [1, 1041]]]), 'a returning key is a new series, from its new start');
});

test('self deltas: refused pushes keep the baseline; a total that went down restarts', () => {
  const d = new SelfDeltas();
  const m = (value: number, end: number) => [{
    descriptor: { name: 'x', unit: '1', description: '', valueType: 1 }, aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: 3, isMonotonic: true, dataPoints: [{ attributes: { a: 1 }, value, startTime: [1, 0], endTime: [end, 0] }],
  }] as never;
  const v = (r: ReturnType<SelfDeltas['convert']>) => [r[0].dataPoints[0].value, r[0].dataPoints[0].startTime[0]];
  assert.deepEqual(v(d.convert(m(5, 10))), [5, 1]);
  d.commit();
  assert.deepEqual(v(d.convert(m(8, 20))), [3, 10]);
  d.discard();
  assert.deepEqual(v(d.convert(m(9, 30))), [4, 10], 'the refused change is carried');
  d.commit();
  assert.deepEqual(v(d.convert(m(2, 40))), [2, 1], 'restarted');
});
