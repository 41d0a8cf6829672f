import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { AggregationConfig } from '../../src/config/aggregations.ts';
import { checkDimensions } from '../../src/config/aggregations.ts';
import { DIMENSIONS, LOCAL_DIMENSIONS } from '../../src/config/dimensions.ts';
import { cidr, TestAccounting } from '../support/accounting.ts';
import { ipv4Packet, ipv6Packet } from '../support/frames.ts';

const V4 = ['10.0.0.1', '10.0.0.2', '10.1.2.3', '192.0.2.1', '192.0.2.200', '198.51.100.7', '203.0.113.9'];
const V6 = ['2001:db8::1', '2001:db8:1::2', '2a00::1', 'fd00::5'];
const LOCAL_POOL = ['10.0.0.0/8', '10.0.0.0/24', '192.0.2.0/25', '2001:db8::/32', 'fd00::/8'];
const NAMED = [cidr('10.0.0.0/8', 'corp'), cidr('10.1.0.0/16', 'lab'), cidr('192.0.2.0/24', 'cust-a'), cidr('2001:db8::/32', 'v6-site')];

const packet = fc.record({
  v6: fc.boolean(), s: fc.nat(), d: fc.nat(), proto: fc.constantFrom(6, 17, 1, 47),
  sp: fc.integer({ min: 0, max: 65535 }), dp: fc.integer({ min: 0, max: 65535 }), len: fc.integer({ min: 0, max: 1400 }),
});

/** A random valid aggregation: a dimension subset of one orientation, no address+prefix per side. */
const aggregation = fc.tuple(fc.boolean(), fc.subarray<string>([...DIMENSIONS], { minLength: 1 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 128 }))
  .map(([localSide, dims, p4, p6]) => {
    let d: string[] = dims.filter((x) => (localSide ? !x.startsWith('source') && !x.startsWith('destination') && !x.startsWith('otelacct.source') && !x.startsWith('otelacct.destination') : !LOCAL_DIMENSIONS.includes(x)));
    for (const side of ['source', 'destination', 'local', 'remote']) {
      const addr = side === 'source' || side === 'destination' ? `${side}.address` : `otelacct.${side}.address`;
      if (d.includes(addr)) d = d.filter((x) => x !== `otelacct.${side}.prefix`);
    }
    if (d.length === 0) d = ['network.type'];
    return { dimensions: d, prefixLength: { ipv4: p4, ipv6: p6 } };
  });

test('whatever the config, every aggregation sums to the total counted (plus internal traffic counted for both hosts)', () => {
  fc.assert(fc.property(
    fc.array(aggregation, { minLength: 1, maxLength: 4 }),
    fc.subarray(LOCAL_POOL, { minLength: 1 }),
    fc.constantFrom<'both' | 'once'>('both', 'once'),
    fc.integer({ min: 1, max: 3 }),
    fc.array(packet, { minLength: 1, maxLength: 60 }),
    (aggs, local, internalTraffic, samplingRate, packets) => {
      const configs: AggregationConfig[] = aggs.map((a, i) => ({ name: `a${i}`, ...a }));
      for (const c of configs) checkDimensions(c.dimensions, c.name);
      const t = new TestAccounting(configs, { local, named: NAMED, internalTraffic, samplingRate });
      for (const p of packets) {
        const [src, dst] = p.v6 ? [V6[p.s % V6.length], V6[p.d % V6.length]] : [V4[p.s % V4.length], V4[p.d % V4.length]];
        const spec = { src, dst, proto: p.proto, srcPort: p.sp, dstPort: p.dp, payloadLength: p.len };
        t.add(p.v6 ? ipv6Packet({ ...spec, proto: p.proto === 1 ? 58 : p.proto }) : ipv4Packet(spec));
      }
      const acc = t.accountant;
      assert.ok(acc.totalPackets > 0);
      configs.forEach((c, i) => {
        const localSide = c.dimensions.some((d) => LOCAL_DIMENSIONS.includes(d));
        const want = acc.totalBytes + (localSide && internalTraffic === 'both' ? acc.internalBytes : 0);
        assert.equal(t.sumBytes(i), want, `${c.name} ${JSON.stringify(c.dimensions)}`);
      });
    },
  ), { numRuns: 300, seed: 20261128 });
});
