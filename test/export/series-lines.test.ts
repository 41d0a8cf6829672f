import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ValueType, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationSpec } from '../../src/account/aggregation-spec.ts';
import { KeyWord } from '../../src/account/flow-key.ts';
import { KEY_WORDS } from '../../src/account/flow-table.ts';
import { NetworkLabels } from '../../src/account/network-labels.ts';
import { PrefixTrie } from '../../src/account/prefix-trie.ts';
import { SeriesStore } from '../../src/account/series-store.ts';
import { InterfaceRegistry } from '../../src/capture/interface-registry.ts';
import { DIMENSIONS, LOCAL_DIMENSIONS, PAIR_DIMENSIONS } from '../../src/config/dimensions.ts';
import { resolveAggregations } from '../../src/config/aggregations.ts';
import { ExpositionLines } from '../../src/export/exposition-lines.ts';
import { FlowAttributes } from '../../src/export/flow-attributes.ts';
import { LineBuffer } from '../../src/export/line-buffer.ts';
import { SeriesLines } from '../../src/export/series-lines.ts';
import { cidr } from '../support/accounting.ts';

const descriptor = { name: 'otelacct.traffic.bytes', unit: 'By', valueType: ValueType.INT, description: 'IP bytes.' };
const scope = { name: 'otelacct', version: '1.2.3' };
const resource = resourceFromAttributes({ 'service.name': 'otelacct' });

const interfaces = new InterfaceRegistry();
for (const name of ['eth0', 'we"ird\\if', 'ünï\ncode']) interfaces.register(name);
const labels = new NetworkLabels();
const trie = PrefixTrie.build([cidr('10.0.0.0/8', 'site "a"'), cidr('192.0.2.0/24', 'b\\c'), cidr('2001:db8::/32', 'dc-ü')]);
const netLabels = [0, ...[0, 1, 2].flatMap((e) => [labels.of(trie, e, true), labels.of(trie, e, false)])];

/** A 16-bit group: often 0 (runs of zero groups) or ffff (mapped forms), else random. */
const group = fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff }));
const v6Words = fc.array(group, { minLength: 8, maxLength: 8 }).map((g) => [0, 1, 2, 3].map((i) => ((g[2 * i] << 16) | g[2 * i + 1]) >>> 0));
const v4Words = fc.integer({ min: 0, max: 0xffffffff }).map((w) => [w, 0, 0, 0]);
const key = fc.record({
  v6: fc.boolean(), a4: v4Words, b4: v4Words, a6: v6Words, b6: v6Words,
  ports: fc.integer({ min: 0, max: 0xffffffff }),
  protocol: fc.constantFrom(1, 6, 17, 47, 58, 200), direction: fc.integer({ min: 0, max: 4 }), level: fc.integer({ min: 0, max: 3 }),
  iface: fc.integer({ min: 0, max: 4 }), vlan: fc.integer({ min: 0, max: 4095 }),
  aNet: fc.constantFrom(...netLabels), bNet: fc.constantFrom(...netLabels),
  exporter: fc.integer({ min: 0, max: 3 }), ifIndex: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 4 }),
  value: fc.oneof(fc.nat({ max: 2 ** 53 - 1 }), fc.nat({ max: 99999 })),
});
type Key = typeof key extends fc.Arbitrary<infer T> ? T : never;

/** A full-width key from the record (words the aggregation does not keep are dropped by the store). */
function fullKey(k: Key): Uint32Array {
  const out = new Uint32Array(KEY_WORDS);
  out.set(k.v6 ? k.a6 : k.a4, KeyWord.A);
  out.set(k.v6 ? k.b6 : k.b4, KeyWord.B);
  out[KeyWord.PORTS] = k.ports;
  out[KeyWord.PROTO] = ((k.v6 ? 6 : 4) | (k.protocol << 8) | (k.direction << 16) | (k.level << 24)) >>> 0;
  out[KeyWord.IFACE] = (k.iface | (k.vlan << 16)) >>> 0;
  out[KeyWord.A_NET] = k.aNet;
  out[KeyWord.B_NET] = k.bNet;
  out[KeyWord.EXPORTER] = k.exporter;
  [KeyWord.IN_IF, KeyWord.OUT_IF, KeyWord.IN_NAME, KeyWord.OUT_NAME].forEach((w, i) => (out[w] = k.ifIndex[i]));
  return out;
}

/** An aggregation over `dimensions` (one orientation), its store holding `keys`, both writers. */
function setup(dimensions: string[], keys: Key[], attributesOf?: (a: FlowAttributes) => FlowAttributes) {
  const [resolved] = resolveAggregations({ aggregations: [{ name: 'traffic', dimensions }], accounting: { dimensions: [] }, export: { cardinalityLimit: 1000 } });
  const spec = new AggregationSpec(resolved);
  const store = new SeriesStore({ words: spec.keyWords, limit: keys.length + 2, idleMs: 0, policy: 'overflow', rollable: false, localSide: spec.localSide });
  const compact = new Uint32Array(spec.keyWords.length);
  for (const k of keys) {
    const full = fullKey(k);
    spec.keyWords.forEach((w, i) => (compact[i] = full[w]));
    store.add(compact, 0, k.value, 1, 0);
  }
  const attributes = new FlowAttributes(spec, interfaces, labels, 'no "net"');
  const used = attributesOf ? attributesOf(attributes) : attributes;
  const lines = new ExpositionLines(descriptor, scope, resource);
  return { store, lines, attributes: used, series: new SeriesLines(lines, store, spec.keyWords, used, spec.dimensions) };
}

/** What SeriesLines writes for every entry, and what ExpositionLines writes for FlowAttributes' attributes. */
function both(s: ReturnType<typeof setup>): { ours: string; official: string } {
  const out = new LineBuffer(256);
  let official = '';
  const full = new Uint32Array(KEY_WORDS);
  for (let e = 0; e < s.store.size; e++) {
    s.series.write(out, e, s.store.bytes[e]);
    s.store.expand(e, full);
    official += s.lines.line(s.attributes.of(full, 0), s.store.bytes[e]);
  }
  return { ours: out.take(), official };
}

const common = DIMENSIONS.filter((d) => !PAIR_DIMENSIONS.includes(d) && !LOCAL_DIMENSIONS.includes(d));
const dimensions = fc.oneof(fc.constant(PAIR_DIMENSIONS), fc.constant(LOCAL_DIMENSIONS))
  .chain((side) => fc.subarray([...side, ...common], { minLength: 1 }));

test('property: lines written from the store equal ExpositionLines over FlowAttributes, byte for byte, for every dimension', () => {
  fc.assert(fc.property(dimensions, fc.array(key, { minLength: 1, maxLength: 40 }), (dims, keys) => {
    const s = setup(dims, keys);
    const { ours, official } = both(s);
    assert.equal(ours, official);
    assert.equal(s.series.direct, !dims.some((d) => d.endsWith('.prefix')), 'written from the key words unless a prefix is a dimension');
  }), { numRuns: 400, seed: 11 });
});

test('the default dimensions over many series sharing their other words: the same lines', () => {
  const keys = fc.sample(key, { numRuns: 3000, seed: 3 }).map((k, i): Key => ({ ...k, protocol: i % 2 ? 6 : 17, iface: 0, level: i % 7 === 0 ? 1 : 0 }));
  const s = setup(['source.address', 'destination.address', 'network.type', 'network.transport', 'network.interface.name'], keys);
  const { ours, official } = both(s);
  assert.equal(ours.split('\n').length, 3001);
  assert.equal(ours, official);
  assert.ok(s.series.direct);
});

test('when an address attribute is not what the writer would write, every line goes through the attributes', () => {
  const keys = fc.sample(key, { numRuns: 50, seed: 4 });
  class Reversed extends FlowAttributes {
    override of(k: Uint32Array, base: number): Attributes {
      const a = super.of(k, base);
      if (typeof a['source.address'] === 'string') a['source.address'] = [...a['source.address']].reverse().join('');
      return a;
    }
  }
  const s = setup(['source.address', 'destination.address', 'network.transport'], keys, () => {
    const [resolved] = resolveAggregations({ aggregations: [{ name: 'traffic', dimensions: ['source.address', 'destination.address', 'network.transport'] }], accounting: { dimensions: [] }, export: { cardinalityLimit: 1000 } });
    return new Reversed(new AggregationSpec(resolved), interfaces, labels, 'x');
  });
  const { ours, official } = both(s);
  assert.equal(ours, official);
  assert.equal(s.series.direct, false);
});

test('every pattern of zero groups in an IPv6 address (where "::" goes, the embedded-IPv4 forms): the same lines', () => {
  const [base] = fc.sample(key, { numRuns: 1, seed: 5 });
  const keys: Key[] = [];
  for (let mask = 0; mask < 256; mask++) {
    // Group i is 0 where bit 7 - i of the mask is set, else a value of 1 to 4 hex digits (ffff in group 5: the mapped form).
    const groups = Array.from({ length: 8 }, (_, i) => ((mask & (0x80 >> i)) !== 0 ? 0 : i === 5 && mask & 1 ? 0xffff : [0x1, 0x2a, 0xdb8, 0xfe80][(mask + i) % 4]));
    const words = [0, 1, 2, 3].map((i) => ((groups[2 * i] << 16) | groups[2 * i + 1]) >>> 0);
    keys.push({ ...base, v6: true, a6: words, b6: [...words].reverse(), value: mask });
  }
  const s = setup(['source.address', 'destination.address', 'network.type'], keys);
  const { ours, official } = both(s);
  assert.equal(ours.split('\n').length, 257);
  assert.equal(ours, official);
  assert.ok(s.series.direct);
});
