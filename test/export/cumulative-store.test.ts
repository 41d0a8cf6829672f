import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { CumulativeStore } from '../../src/export/cumulative-store.ts';

function delta(points: Array<[Attributes, number]>, name = 'm'): ResourceMetrics {
  return {
    resource: emptyResource(),
    scopeMetrics: [{
      scope: { name: 't' },
      metrics: [{
        descriptor: { name, description: '', unit: 'By', valueType: ValueType.INT },
        aggregationTemporality: AggregationTemporality.DELTA,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: points.map(([attributes, value]) => ({ attributes, value, startTime: [0, 0], endTime: [0, 0] })),
      }],
    }],
  };
}

function values(store: CumulativeStore): Map<string, { value: number; start: number }> {
  const out = new Map<string, { value: number; start: number }>();
  for (const m of store.snapshot()) {
    for (const dp of m.dataPoints) out.set(JSON.stringify(dp.attributes), { value: dp.value as number, start: dp.startTime[0] });
  }
  return out;
}

test('deltas accumulate into monotonic cumulative series', () => {
  const store = new CumulativeStore(100, 0);
  store.merge(delta([[{ h: 'a' }, 10], [{ h: 'b' }, 5]]));
  store.merge(delta([[{ h: 'a' }, 7]]));
  const v = values(store);
  assert.equal(v.get('{"h":"a"}')?.value, 17);
  assert.equal(v.get('{"h":"b"}')?.value, 5);
});

test('attribute order does not split a series', () => {
  const store = new CumulativeStore(100, 0);
  store.merge(delta([[{ x: 1, y: 2 }, 1]]));
  store.merge(delta([[{ y: 2, x: 1 }, 1]]));
  assert.equal(store.stats().series, 1);
});

test('idle series expire after idleTimeout and return from zero with a new start time', () => {
  let now = 1_000_000;
  const store = new CumulativeStore(100, 60_000, () => now);
  store.merge(delta([[{ h: 'a' }, 10], [{ h: 'b' }, 1]]));
  now += 30_000;
  store.merge(delta([[{ h: 'b' }, 1]]));
  now += 40_000; // a idle 70 s, b idle 40 s
  let v = values(store);
  assert.equal(v.has('{"h":"a"}'), false, 'a expired');
  assert.equal(v.get('{"h":"b"}')?.value, 2);
  assert.equal(store.stats().expired, 1);
  store.merge(delta([[{ h: 'a' }, 3]]));
  v = values(store);
  assert.equal(v.get('{"h":"a"}')?.value, 3, 'restarts from zero');
  assert.equal(v.get('{"h":"a"}')?.start, Math.floor(now / 1000), 'new start time');
});

test('past the limit new keys fold into the overflow series and the sum is conserved', () => {
  const store = new CumulativeStore(10, 0);
  let total = 0;
  for (let round = 0; round < 50; round++) {
    const pts: Array<[Attributes, number]> = [];
    for (let i = 0; i < 20; i++) { pts.push([{ h: `r${round}-${i}` }, i + 1]); total += i + 1; }
    store.merge(delta(pts));
  }
  const v = values(store);
  assert.equal(v.size, 10, 'limit includes the overflow series');
  assert.ok(v.has('{"otel.metric.overflow":true}'));
  assert.equal([...v.values()].reduce((a, b) => a + b.value, 0), total);
});

test('churn: with expiry, series held stay at most the limit over many intervals', () => {
  let now = 0;
  const store = new CumulativeStore(500, 5_000, () => now);
  let total = 0;
  for (let interval = 0; interval < 200; interval++) {
    const pts: Array<[Attributes, number]> = [];
    for (let i = 0; i < 300; i++) { pts.push([{ h: `${interval}.${i}` }, 2]); total += 2; }
    store.merge(delta(pts));
    now += 1_000;
    store.snapshot();
    assert.ok(store.stats().series <= 500);
  }
  assert.ok(store.stats().expired > 0);
  assert.ok(store.stats().overflowed > 0);
  void total;
});

test('limits and idle timeouts can differ per stream', () => {
  let now = 0;
  const store = new CumulativeStore((m) => (m === 'small' ? 3 : 100), (m) => (m === 'keep' ? 0 : 1_000), () => now);
  store.merge(delta([[{ h: 'a' }, 1], [{ h: 'b' }, 1], [{ h: 'c' }, 1], [{ h: 'd' }, 1]], 'small'));
  store.merge(delta([[{ h: 'a' }, 1]], 'keep'));
  store.merge(delta([[{ h: 'a' }, 1]], 'drop'));
  now += 5_000;
  const byName = new Map(store.snapshot().map((m) => [m.descriptor.name, m.dataPoints.length]));
  assert.equal(byName.get('small'), 0, 'expired after 1 s');
  assert.equal(byName.get('keep'), 1, 'idleTimeout 0 keeps it');
  assert.equal(byName.get('drop'), 0);
  now = 0;
  const s2 = new CumulativeStore((m) => (m === 'small' ? 3 : 100), 0, () => now);
  s2.merge(delta([[{ h: 'a' }, 1], [{ h: 'b' }, 1], [{ h: 'c' }, 1], [{ h: 'd' }, 1]], 'small'));
  assert.equal(s2.snapshot()[0].dataPoints.length, 3, '2 series + overflow');
});
