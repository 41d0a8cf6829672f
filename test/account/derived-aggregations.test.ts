import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AggregationSpec, derivationSources } from '../../src/account/aggregation-spec.ts';
import { NetworkLabels } from '../../src/account/network-labels.ts';
import type { AggregationConfig } from '../../src/config/aggregations.ts';
import { checkDimensions, resolveAggregations } from '../../src/config/aggregations.ts';
import { DIMENSIONS, LOCAL_DIMENSIONS } from '../../src/config/dimensions.ts';
import { TrafficMetrics } from '../../src/export/traffic-metrics.ts';
import { FlowRecord } from '../../src/flow/flow-sink.ts';
import { fewestYoungGcs } from '../support/allocation.ts';
import { cidr, TestAccounting } from '../support/accounting.ts';
import { ipv4Packet, ipv6Packet, parseIPv4, parseIPv6 } from '../support/frames.ts';

const BILLING: AggregationConfig[] = [
  { name: 'traffic', dimensions: ['source.address', 'destination.address', 'network.type', 'network.transport', 'network.interface.name'] },
  { name: 'host', dimensions: ['otelacct.local.address', 'network.io.direction'] },
  { name: 'site', dimensions: ['otelacct.local.network', 'network.io.direction'] },
];

function specs(aggs: AggregationConfig[]): AggregationSpec[] {
  return resolveAggregations({ aggregations: aggs, accounting: { dimensions: [] }, export: { cardinalityLimit: 1000 } }).map((r) => new AggregationSpec(r));
}

const sources = (aggs: string[][]) => derivationSources(specs(aggs.map((dimensions, i) => ({ name: `a${i}`, dimensions }))));

describe('which aggregations are derived', () => {
  it('the billing configuration: per host from the pairs, per site from per host', () => {
    assert.deepEqual(derivationSources(specs(BILLING)), [-1, 0, 1]);
    assert.deepEqual(derivationSources(specs([BILLING[2], BILLING[1], BILLING[0]])), [1, 2, -1]);
    // Per site from the pairs when per host keeps more than the local address and the direction.
    const hostPorts = { ...BILLING[1], dimensions: [...BILLING[1].dimensions, 'network.transport'] };
    assert.deepEqual(derivationSources(specs([BILLING[0], hostPorts, BILLING[2]])), [-1, 0, 1]);
    const hostIface = { ...BILLING[1], dimensions: [...BILLING[1].dimensions, 'network.interface.name'] };
    assert.deepEqual(derivationSources(specs([BILLING[0], hostIface, BILLING[2]])), [-1, 0, 0]);
    // Without the pairs, per site from per host; two equal aggregations are both counted per packet.
    assert.deepEqual(derivationSources(specs([BILLING[1], BILLING[2]])), [-1, 0]);
    assert.deepEqual(derivationSources(specs([BILLING[1], { ...BILLING[1], name: 'host2' }])), [-1, -1]);
  });

  it('only from a key that determines it', () => {
    const pair = ['source.address', 'destination.address'];
    assert.deepEqual(sources([pair, ['otelacct.local.address', 'network.io.direction']]), [-1, 0]);
    // Fields the pair key does not keep: ports, protocol, interface, VLAN.
    assert.deepEqual(sources([pair, ['otelacct.local.port']]), [-1, -1]);
    assert.deepEqual(sources([[...pair, 'source.port'], ['otelacct.local.port']]), [-1, -1], 'a local port needs both ports');
    assert.deepEqual(sources([[...pair, 'source.port', 'destination.port'], ['otelacct.local.port']]), [-1, 0]);
    assert.deepEqual(sources([pair, ['network.transport']]), [-1, -1]);
    assert.deepEqual(sources([[...pair, 'network.transport'], ['network.transport']]), [-1, 0]);
    assert.deepEqual(sources([pair, ['otelacct.vlan.id']]), [-1, -1]);
    assert.deepEqual(sources([pair, ['otelacct.ingress.interface.id']]), [-1, -1]);
    assert.deepEqual(sources([pair, ['network.interface.name']]), [-1, -1]);
    // A prefix key loses the address: nothing derives from it; pair keys never derive from each other.
    assert.deepEqual(sources([['source.prefix', 'destination.address'], ['otelacct.local.address']]), [-1, -1]);
    assert.deepEqual(sources([pair, [...pair, 'network.type']]), [-1, -1]);
    // From a local/remote key: it must keep the local address and the direction, and the remote
    // address when the derived one needs it.
    assert.deepEqual(sources([['otelacct.local.address'], ['otelacct.local.network']]), [-1, -1]);
    assert.deepEqual(sources([['otelacct.local.address', 'network.io.direction'], ['otelacct.local.network', 'network.io.direction']]), [-1, 0]);
    assert.deepEqual(sources([['otelacct.local.address', 'network.io.direction'], ['otelacct.remote.network']]), [-1, -1]);
    assert.deepEqual(sources([['otelacct.local.address', 'otelacct.remote.address', 'network.io.direction'], ['otelacct.remote.prefix']]), [-1, 0]);
    // Source/destination dimensions from a local/remote key: no.
    assert.deepEqual(sources([['otelacct.local.address', 'otelacct.remote.address', 'network.io.direction'], ['source.network']]), [-1, -1]);
  });
});

const V4 = ['10.0.0.1', '10.0.0.2', '10.1.2.3', '192.0.2.1', '192.0.2.200', '198.51.100.7', '203.0.113.9'];
const V6 = ['2001:db8::1', '2001:db8:1::2', '2a00::1', 'fd00::5'];
const LOCAL_POOL = ['10.0.0.0/8', '10.0.0.0/24', '192.0.2.0/25', '2001:db8::/32', 'fd00::/8'];
const NAMED = [cidr('0.0.0.0/0', 'default'), cidr('10.0.0.0/8', 'corp'), cidr('10.1.0.0/16', 'lab'), cidr('192.0.2.0/24', 'cust-a'), cidr('2001:db8::/32', 'v6-site')];
const PORTS = [0, 53, 80, 443, 40000];

/** A packet, a flow record, a full flush or a partial one (flushFilling(mark)). */
const event = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('packet' as const), v6: fc.boolean(), s: fc.nat(), d: fc.nat(), proto: fc.constantFrom(6, 17, 1), sp: fc.nat(), dp: fc.nat(), len: fc.integer({ min: 0, max: 1400 }), repeat: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('record' as const), v6: fc.boolean(), s: fc.nat(), d: fc.nat(), proto: fc.constantFrom(6, 17, 1), sp: fc.nat(), dp: fc.nat(), exporter: fc.integer({ min: 0, max: 2 }), inIf: fc.integer({ min: 0, max: 3 }), bytes: fc.integer({ min: 1, max: 1e6 }), packets: fc.integer({ min: 1, max: 100 }), rate: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const), mark: fc.integer({ min: 0, max: 6 }) }) },
);

/** A random valid aggregation (as the aggregation-sums property test): one orientation, no address+prefix per side. */
const aggregation = fc.tuple(fc.boolean(), fc.subarray<string>([...DIMENSIONS], { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 128 }))
  .map(([localSide, dims, p4, p6]) => {
    let d: string[] = dims.filter((x) => (localSide ? !x.startsWith('source') && !x.startsWith('destination') && !x.startsWith('otelacct.source') && !x.startsWith('otelacct.destination') : !LOCAL_DIMENSIONS.includes(x)));
    for (const side of ['source', 'destination', 'local', 'remote']) {
      const addr = side === 'source' || side === 'destination' ? `${side}.address` : `otelacct.${side}.address`;
      if (d.includes(addr)) d = d.filter((x) => x !== `otelacct.${side}.prefix` && x !== `${side}.prefix`);
    }
    if (d.length === 0) d = ['network.type'];
    return { dimensions: d, prefixLength: { ipv4: p4, ipv6: p6 } };
  });

/** Pair aggregations (so that others can derive from them) and local ones, mixed with random ones. */
const pairAggregation = fc.subarray(['network.type', 'network.transport', 'network.interface.name', 'source.port', 'destination.port', 'otelacct.vlan.id', 'otelacct.exporter.address', 'otelacct.ingress.interface.id'])
  .map((extra) => ({ dimensions: ['source.address', 'destination.address', ...extra] }));
const localAggregation = fc.subarray(['otelacct.remote.address', 'otelacct.local.port', 'network.transport', 'network.type'])
  .map((extra) => ({ dimensions: ['otelacct.local.address', 'network.io.direction', ...extra] }));
/** Keyed by named networks (and the direction) only, as the billing configuration's per site. */
const networkAggregation = fc.constantFrom(
  ['otelacct.local.network', 'network.io.direction'], ['otelacct.local.network'], ['network.io.direction'],
  ['otelacct.local.network', 'otelacct.remote.network', 'network.io.direction'],
  ['otelacct.source.network', 'otelacct.destination.network'], ['otelacct.destination.network'],
).map((dimensions) => ({ dimensions: [...dimensions] }));

function words(text: string): number[] {
  const b = text.includes(':') ? parseIPv6(text) : parseIPv4(text);
  const out = [0, 0, 0, 0];
  for (let i = 0; i < b.length; i += 4) out[i / 4] = ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
  return out;
}

/** Every series of every metric, in store order, as text: what an exporter would write. */
async function series(m: TrafficMetrics): Promise<string[]> {
  const out: string[] = [];
  for (const chunk of m.chunks(1000)) {
    for (const metric of chunk) for (const p of metric.dataPoints) out.push(`${metric.descriptor.name} ${JSON.stringify(p.attributes)} ${String(p.value)}`);
  }
  return out;
}

describe('derived aggregations count what per-packet counting counts', () => {
  it('the same traffic through both paths: every series equal, in the same order, at every full flush', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.oneof(aggregation, pairAggregation, localAggregation, networkAggregation), { minLength: 2, maxLength: 4 }),
      fc.subarray(LOCAL_POOL, { minLength: 1 }),
      fc.constantFrom<'both' | 'once'>('both', 'once'),
      fc.integer({ min: 1, max: 3 }),
      fc.constantFrom(4, 16, 1 << 12),
      fc.constantFrom(8, 1000),
      fc.subarray(PORTS),
      fc.array(event, { minLength: 1, maxLength: 120 }),
      async (aggs, local, internalTraffic, samplingRate, maxFlows, cardinalityLimit, ports, events) => {
        const configs: AggregationConfig[] = aggs.map((a, i) => ({ name: `a${i}`, ...a }));
        for (const c of configs) checkDimensions(c.dimensions, c.name);
        const opts = { local, named: NAMED, internalTraffic, samplingRate, maxFlows, cardinalityLimit, ports };
        const sides = [new TestAccounting(configs, { ...opts, derive: true }), new TestAccounting(configs, { ...opts, derive: false })];
        const metrics = sides.map((t) => new TrafficMetrics({ accountant: t.accountant, attributes: t.attributes, labels: t.labels, onError: (e) => { throw e; }, now: () => 1000 }));
        // Per-packet flow tables that overflowed lose keys the derived ones (twice as large) keep.
        const overflowed = new Set<number>();
        metrics[1].onDrain((i, table) => {
          if (table.overflowPackets > 0 && sides[0].accountant.derivedFrom[i] >= 0) overflowed.add(i);
        });
        const record = new FlowRecord();
        for (const ev of events) {
          if (ev.kind === 'flush') {
            await Promise.all(metrics.map((m) => (ev.mark === 0 ? m.flush() : m.flushFilling(ev.mark))));
            continue;
          }
          const [src, dst] = ev.v6 ? [V6[ev.s % V6.length], V6[ev.d % V6.length]] : [V4[ev.s % V4.length], V4[ev.d % V4.length]];
          const sp = PORTS[ev.sp % PORTS.length];
          const dp = PORTS[ev.dp % PORTS.length];
          if (ev.kind === 'packet') {
            const spec = { src, dst, proto: ev.v6 && ev.proto === 1 ? 58 : ev.proto, srcPort: sp, dstPort: dp, payloadLength: ev.len };
            const p = ev.v6 ? ipv6Packet(spec) : ipv4Packet(spec);
            for (const t of sides) for (let r = 0; r < ev.repeat; r++) t.add(p);
          } else {
            record.v6 = ev.v6;
            record.src.set(words(src));
            record.dst.set(words(dst));
            record.srcPort = sp; record.dstPort = dp; record.protocol = ev.proto;
            record.inputIf = ev.inIf; record.outputIf = 0; record.bytes = ev.bytes; record.packets = ev.packets; record.samplingRate = ev.rate;
            for (const t of sides) t.accountant.record(ev.exporter, record);
          }
        }
        await Promise.all(metrics.map((m) => m.flush()));
        const [derived, perPacket] = await Promise.all(metrics.map(series));
        const [a, b] = sides.map((t) => t.accountant);
        assert.equal(a.totalBytes, b.totalBytes);
        assert.equal(a.internalBytes, b.internalBytes, 'internal bytes');
        if (overflowed.size === 0) {
          assert.deepEqual(derived, perPacket);
        } else {
          const keep = (lines: string[]) => lines.filter((l) => ![...overflowed].some((i) => l.startsWith(`otelacct.a${i}.`)));
          assert.deepEqual(keep(derived), keep(perPacket));
        }
      },
    ), { numRuns: 250, seed: 20261203 });
  });

  it('entries holding about one packet each: the next interval counts the derived aggregations per packet, then derives again', async () => {
    const t = new TestAccounting(BILLING, { local: ['10.0.0.0/8'], named: NAMED });
    const size = ipv4Packet({ src: '10.0.0.1', dst: '198.51.100.1', proto: 17, srcPort: 1, dstPort: 2 }).length;
    const m = new TrafficMetrics({ accountant: t.accountant, attributes: t.attributes, labels: new NetworkLabels(), onError: (e) => { throw e; } });
    const pair = t.accountant.flowTables[0];
    for (let i = 0; i < 200; i++) t.add(ipv4Packet({ src: `10.0.0.${i}`, dst: `198.51.100.${i}`, proto: 17, srcPort: 1, dstPort: 2 }));
    await m.flush();
    assert.equal(pair.direct, true, 'one packet per pair: counted directly next');
    for (let i = 0; i < 200; i++) t.add(ipv4Packet({ src: '10.0.0.1', dst: '198.51.100.1', proto: 17, srcPort: 1, dstPort: 2 }));
    assert.equal(t.accountant.flowTables[1].size, 1, 'per host counted per packet');
    await m.flush();
    assert.equal(pair.direct, false, '200 packets in one pair: derived next');
    t.add(ipv4Packet({ src: '10.0.0.1', dst: '198.51.100.1', proto: 17, srcPort: 1, dstPort: 2 }));
    assert.equal(t.accountant.flowTables[1].size, 0, 'per host waits for the flush');
    await m.flush();
    const lines = await series(m);
    const host = `otelacct.host.bytes {"otelacct.local.address":"10.0.0.1","network.io.direction":"transmit","otelacct.traffic.class":"outbound"} ${202 * size}`;
    assert.ok(lines.includes(host), `${host} in\n${lines.join('\n')}`);
  });

  it('a full pair table: what it cannot hold is still counted per host and per site', () => {
    const t = new TestAccounting(BILLING, { local: ['10.0.0.0/8'], named: NAMED, maxFlows: 4 });
    for (let i = 0; i < 20; i++) t.add(ipv4Packet({ src: `10.0.0.${i % 6}`, dst: `198.51.100.${i}`, proto: 17, srcPort: 1, dstPort: 2 }));
    assert.equal(t.accountant.flowTables[0].size, 4);
    assert.equal(t.accountant.flowTables[0].overflowPackets, 16);
    assert.equal(t.rows(1).size, 6, 'every host');
    assert.equal(t.sumBytes(1), t.accountant.totalBytes);
    assert.equal(t.sumBytes(2), t.accountant.totalBytes);
  });

  it('per site from per host: a full per-host table hands its entries over and per site counts the rest directly, in either mode', async () => {
    for (const oneEach of [true, false]) {
      const t = new TestAccounting(BILLING, { local: ['10.0.0.0/8'], named: NAMED, maxFlows: 4 });
      const m = new TrafficMetrics({ accountant: t.accountant, attributes: t.attributes, labels: new NetworkLabels(), onError: (e) => { throw e; } });
      for (let i = 0; i < 4; i++) {
        for (let r = oneEach ? 1 : 3; r > 0; r--) t.add(ipv4Packet({ src: `10.0.0.${i}`, dst: `198.51.100.${i}`, proto: 17, srcPort: 1, dstPort: 2 }));
      }
      await m.flush();
      assert.equal(t.accountant.flowTables[0].direct, oneEach, oneEach ? 'one packet per pair: every packet counted per host' : 'per host derived from the pairs');
      const before = t.accountant.totalBytes;
      for (let i = 0; i < 30; i++) t.add(ipv4Packet({ src: `10.0.1.${i}`, dst: `198.51.100.${i % 3}`, proto: 17, srcPort: 1, dstPort: 2 }));
      const host = t.accountant.flowTables[1];
      if (oneEach) assert.ok(host.derived && host.size >= host.maxEntries - 1, 'the per-host table filled and was handed to per site');
      assert.equal(t.sumBytes(1), t.accountant.totalBytes - before, 'per host (its overflow included)');
      assert.equal(t.sumBytes(2), t.accountant.totalBytes - before, 'per site');
    }
  });

  it('per host overflowing while the pairs are derived into it: per site still counts what per-packet counting counts', async () => {
    const scenarios = [
      // A partial flush leaves per host below the mark; then internal pairs (two host keys each) fill it at the next one.
      { maxFlows: 16, mark: 12, first: Array.from({ length: 12 }, (_, i) => [i === 11 ? 0 : i, i]), internal: 12, extra: false },
      // Per host holds keys when the pair table fills (its entries derived at once, two host keys each).
      { maxFlows: 8, mark: 6, first: [[1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [1, 2]], internal: 7, extra: true },
    ];
    for (const sc of scenarios) {
      const out: string[][] = [];
      for (const derive of [true, false]) {
        const t = new TestAccounting(BILLING, { local: ['10.0.0.0/8'], named: NAMED, maxFlows: sc.maxFlows, internalTraffic: 'both', derive });
        const m = new TrafficMetrics({ accountant: t.accountant, attributes: t.attributes, labels: t.labels, onError: (e) => { throw e; }, now: () => 1000 });
        for (const [h, r] of sc.first) for (let k = 0; k < 2; k++) t.add(ipv4Packet({ src: `10.0.0.${h}`, dst: `198.51.100.${r}`, proto: 17, srcPort: 1, dstPort: 2 }));
        await m.flushFilling(sc.mark);
        for (let i = 0; i < sc.internal; i++) for (let k = 0; k < 2; k++) t.add(ipv4Packet({ src: `10.0.1.${i}`, dst: `10.0.2.${i}`, proto: 17, srcPort: 1, dstPort: 2 }));
        if (sc.extra) t.add(ipv4Packet({ src: '10.0.1.0', dst: '10.0.2.0', proto: 17, srcPort: 1, dstPort: 2 }));
        await m.flushFilling(sc.mark);
        await m.flush();
        out.push((await series(m)).filter((l) => l.startsWith('otelacct.site.')));
      }
      assert.ok(out[1].length > 0);
      assert.deepEqual(out[0], out[1], `maxFlows ${sc.maxFlows}`);
    }
  });

  it('deriving allocates nothing per entry', () => {
    const t = new TestAccounting(BILLING, { local: ['10.0.0.0/8', 'fd00::/8'], named: NAMED, maxFlows: 1 << 14 });
    const packets = Array.from({ length: 4096 }, (_, i) => (i % 5 === 0
      ? ipv6Packet({ src: `fd00::${i.toString(16)}`, dst: '2a00::1', proto: 6, srcPort: 1, dstPort: 2 })
      : ipv4Packet({ src: `10.0.${i >> 8}.${i & 255}`, dst: `198.51.${i % 7}.1`, proto: 17, srcPort: 1, dstPort: 2 })));
    const a = t.accountant;
    const cycle = () => {
      for (let r = 0; r < 2; r++) for (let i = 0; i < packets.length; i++) t.add(packets[i]);
      a.derive();
      for (let i = 0; i < a.flowTables.length; i++) a.flowTables[i].clear();
      a.tableFlushed();
    };
    for (let r = 0; r < 200; r++) cycle();
    const gcs = fewestYoungGcs(() => {
      for (let r = 0; r < 300; r++) cycle();
    });
    assert.equal(gcs, 0, `${gcs} garbage collections over 300 derivations of 4096 entries`);
  });
});
