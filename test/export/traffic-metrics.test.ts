import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FlowAttributes } from '../../src/export/flow-attributes.ts';
import { TrafficMetrics } from '../../src/export/traffic-metrics.ts';
import { TestAccounting } from '../support/accounting.ts';
import { ipv4Packet } from '../support/frames.ts';

test('a failed flush is reported, does not reject, and the next flush still runs', async () => {
  const t = new TestAccounting([{ name: 'traffic', dimensions: ['source.address'] }]);
  let fail = true;
  const real = t.attributes[0];
  const flaky = { of: (keys: Uint32Array, base: number) => {
    if (fail) { fail = false; throw new Error('boom'); }
    return real.of(keys, base);
  } } as unknown as FlowAttributes;
  const errors: unknown[] = [];
  const traffic = new TrafficMetrics({ accountant: t.accountant, attributes: [flaky], idleTimeoutMs: 0, onError: (e: unknown) => errors.push(e) } as never);
  t.add(ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, srcPort: 1, dstPort: 2 }));
  await traffic.flush(); // throws inside: reported, not rejected
  assert.equal(errors.length, 1);
  t.add(ipv4Packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, srcPort: 1, dstPort: 2 }));
  await traffic.flush();
  const { resourceMetrics } = await traffic.collect();
  const bytes = resourceMetrics.scopeMetrics[0].metrics.find((m) => m.descriptor.name === 'otelacct.traffic.bytes');
  assert.ok(bytes && bytes.dataPoints.length === 1, 'the second flush reached the store');
  await traffic.shutdown();
});
