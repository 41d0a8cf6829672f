import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AggregationSpec, KeyShape } from '../../src/account/aggregation-spec.ts';
import { FlowTable } from '../../src/account/flow-table.ts';
import { KeyAdder } from '../../src/account/key-adder.ts';
import { hashWords } from '../../src/account/key-hash.ts';
import { NetworkTables } from '../../src/account/network-tables.ts';
import { PacketContext } from '../../src/account/packet-context.ts';
import { resolveAggregations } from '../../src/config/aggregations.ts';

function spec(dimensions: string[]): AggregationSpec {
  return new AggregationSpec(resolveAggregations({ aggregations: [{ name: 'a', dimensions }], accounting: { dimensions: [] }, export: { cardinalityLimit: 1000 } })[0]);
}

const FAST: [string[], number][] = [
  [['otelacct.local.address', 'network.io.direction'], KeyShape.LOCAL_ADDRESS],
  [['otelacct.local.address'], KeyShape.LOCAL_ADDRESS],
  [['otelacct.local.address', 'network.io.direction', 'network.transport', 'network.type'], KeyShape.LOCAL_ADDRESS],
  [['otelacct.local.network', 'network.io.direction'], KeyShape.LOCAL_NETWORK],
  [['otelacct.local.network'], KeyShape.LOCAL_NETWORK],
  [['otelacct.local.network', 'network.type', 'network.transport', 'network.io.direction'], KeyShape.LOCAL_NETWORK],
];

describe('key shapes', () => {
  it('only aggregations keeping exactly the local address or network (and PROTO fields) take a fast path', () => {
    for (const [dims, shape] of FAST) assert.equal(spec(dims).shape, shape, dims.join());
    for (const dims of [
      ['source.address', 'destination.address'], ['otelacct.local.address', 'otelacct.remote.address'],
      ['otelacct.local.address', 'network.interface.name'], ['otelacct.local.address', 'otelacct.local.port'],
      ['otelacct.local.prefix'], ['otelacct.local.network', 'otelacct.remote.network'], ['otelacct.local.address', 'otelacct.local.network'],
      ['network.io.direction'], ['otelacct.local.network', 'otelacct.vlan.id'],
    ]) assert.equal(spec(dims).shape, KeyShape.GENERIC, dims.join());
  });

  // One packet context as fill() would leave it (IPv4 words 1..3 may hold anything: both paths must ignore them).
  const word = fc.constantFrom(0, 1, 0x0a000001, 0x0a000002, 0x7fffffff, 0x80000000, 0xc0a80101, 0xffffffff);
  const packet = fc.record({
    v6: fc.boolean(),
    src: fc.array(word, { minLength: 4, maxLength: 4 }),
    dst: fc.array(word, { minLength: 4, maxLength: 4 }),
    direction: fc.integer({ min: 0, max: 4 }),
    srcNet: fc.integer({ min: -1, max: 3 }),
    dstNet: fc.integer({ min: -1, max: 3 }),
    protocol: fc.constantFrom(0, 6, 17, 255),
    bytes: fc.integer({ min: 1, max: 9000 }),
    packets: fc.integer({ min: 1, max: 3 }),
  });

  it('property: the fast paths leave the same entries, order, hashes, counters and overflow as the full key', () => {
    fc.assert(fc.property(fc.constantFrom(...FAST.map(([d]) => d)), fc.boolean(), fc.integer({ min: 1, max: 40 }), fc.array(packet, { maxLength: 300 }),
      (dims, internalBoth, maxEntries, packets) => {
        const s = spec(dims);
        const ctx = new PacketContext();
        const keys = new KeyAdder(ctx, new NetworkTables(undefined, undefined), internalBoth);
        const fast = new FlowTable(maxEntries, s.keyWords, 4);
        const full = new FlowTable(maxEntries, s.keyWords, 4);
        for (const p of packets) {
          ctx.v6 = p.v6;
          ctx.src.set(p.src);
          ctx.dst.set(p.dst);
          ctx.direction = p.direction;
          ctx.srcNet = p.srcNet;
          ctx.dstNet = p.dstNet;
          keys.protocol = p.protocol;
          assert.equal(keys.countLocal(s, fast, p.bytes, p.packets), keys.count(s, full, 0, p.bytes, p.packets));
        }
        const w = s.keyWords.length;
        assert.equal(fast.size, full.size);
        assert.deepEqual(fast.keys.subarray(0, fast.size * w), full.keys.subarray(0, full.size * w));
        assert.deepEqual(fast.hashes.subarray(0, fast.size), full.hashes.subarray(0, full.size));
        for (let e = 0; e < fast.size; e++) assert.equal(fast.hashes[e], hashWords(fast.keys, e * w, w));
        assert.deepEqual(fast.bytes.subarray(0, fast.size), full.bytes.subarray(0, full.size));
        assert.deepEqual(fast.packets.subarray(0, fast.size), full.packets.subarray(0, full.size));
        assert.deepEqual([fast.overflowBytes, fast.overflowPackets], [full.overflowBytes, full.overflowPackets]);
      }), { numRuns: 400 });
  });
});
