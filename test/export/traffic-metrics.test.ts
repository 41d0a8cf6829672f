import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetworkLabels } from '../../src/account/network-labels.ts';
import { TrafficMetrics } from '../../src/export/traffic-metrics.ts';
import { TestAccounting } from '../support/accounting.ts';
import { ipv4Packet } from '../support/frames.ts';

const packet = () => ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, srcPort: 1, dstPort: 2 });

function traffic(t: TestAccounting, errors: unknown[]): TrafficMetrics {
  return new TrafficMetrics({ accountant: t.accountant, attributes: t.attributes, labels: new NetworkLabels(), onError: (e: unknown) => errors.push(e) });
}

test('a drain listener that throws is reported; the flush still empties the tables and counts once', async () => {
  const t = new TestAccounting([{ name: 'traffic', dimensions: ['source.address'] }]);
  const errors: unknown[] = [];
  const m = traffic(t, errors);
  let fail = true;
  m.onDrain(() => {
    if (fail) { fail = false; throw new Error('boom'); }
  });
  t.add(packet());
  await m.flush();
  assert.equal(errors.length, 1);
  assert.equal(t.accountant.flowTables[0].size, 0, 'table emptied despite the listener');
  t.add(packet());
  await m.flush();
  const { resourceMetrics } = await m.collect();
  const bytes = resourceMetrics.scopeMetrics[0].metrics.find((x) => x.descriptor.name === 'otelacct.traffic.bytes');
  assert.deepEqual(bytes?.dataPoints.map((d) => [d.attributes['source.address'], d.value]), [['10.0.0.1', 56]]);
  await m.shutdown();
});

test('chunks: at most N points per metric, every series once, the overflow series last', async () => {
  const t = new TestAccounting([{ name: 'traffic', dimensions: ['source.address'], cardinalityLimit: 50 }]);
  const m = traffic(t, []);
  for (let i = 0; i < 80; i++) t.add(ipv4Packet({ src: `10.0.1.${i}`, dst: '10.0.0.2', proto: 17, srcPort: 1, dstPort: 2 }));
  await m.flush();
  const seen: string[] = [];
  let total = 0;
  for (const chunk of m.chunks(7, 'both')) {
    assert.equal(chunk.length, 2);
    assert.ok(chunk[0].dataPoints.length <= 8, 'N points, plus the overflow point on the last chunk');
    assert.equal(chunk[0].dataPoints.length, chunk[1].dataPoints.length);
    for (const d of chunk[0].dataPoints) {
      seen.push(String(d.attributes['source.address'] ?? 'overflow'));
      total += d.value as number;
    }
  }
  assert.equal(seen.length, 50, 'limit 50 includes the overflow series');
  assert.equal(new Set(seen).size, 50);
  assert.equal(seen.at(-1), 'overflow');
  assert.equal(total, t.accountant.totalBytes);
  assert.equal(m.stats().overflowed, 31);
});
