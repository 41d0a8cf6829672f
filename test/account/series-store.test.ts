import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { KeyWord } from '../../src/account/flow-key.ts';
import { PRESIZE_ENTRIES, SeriesStore, keyRollupLevel, type OverflowPolicy } from '../../src/account/series-store.ts';
import { FlowTable, KEY_WORDS } from '../../src/account/flow-table.ts';
import { hashWords } from '../../src/account/key-hash.ts';

/** Source/destination address pair keys (IPv4): words A, B and PROTO, as a pair aggregation keeps them. */
const WORDS = [KeyWord.A, KeyWord.A + 1, KeyWord.A + 2, KeyWord.A + 3, KeyWord.B, KeyWord.B + 1, KeyWord.B + 2, KeyWord.B + 3, KeyWord.PROTO];

function store(limit: number, policy: OverflowPolicy, idleMs = 0, initialCapacity = 4): SeriesStore {
  return new SeriesStore({ words: WORDS, limit, idleMs, policy, rollable: true, localSide: false, initialCapacity });
}

/** The compact key of a (source, destination) IPv4 pair. */
function key(a: number, b: number): Uint32Array {
  return Uint32Array.of(a >>> 0, 0, 0, 0, b >>> 0, 0, 0, 0, 4);
}

interface Series { a: number; b: number; level: number; bytes: number; packets: number; start: number }

/** Every series the store holds, the overflow series as level -1. */
function series(s: SeriesStore): Series[] {
  const out: Series[] = [];
  const full = new Uint32Array(KEY_WORDS);
  for (let e = 0; e < s.size; e++) {
    s.expand(e, full);
    out.push({ a: full[KeyWord.A], b: full[KeyWord.B], level: keyRollupLevel(full, 0), bytes: s.bytes[e], packets: s.packets[e], start: s.start[e] });
  }
  if (s.overflow.present) out.push({ a: -1, b: -1, level: -1, bytes: s.overflow.bytes, packets: s.overflow.packets, start: s.overflow.start });
  return out;
}

const op = fc.record({
  a: fc.integer({ min: 0, max: 40 }),
  b: fc.integer({ min: 0, max: 0xffffffff }),
  bytes: fc.integer({ min: 1, max: 1500 }),
  advance: fc.integer({ min: 0, max: 30 }),
  expire: fc.boolean(),
});

test('property: totals conserved, limit held, exact keys exact, series monotonic (both policies, with expiry)', () => {
  fc.assert(fc.property(
    fc.array(op, { minLength: 1, maxLength: 400 }), fc.integer({ min: 2, max: 64 }), fc.constantFrom<OverflowPolicy>('rollup', 'overflow'),
    fc.constantFrom(0, 50), fc.integer({ min: 1, max: 16 }),
    (ops, limit, policy, idleMs, initialCapacity) => {
      const s = store(limit, policy, idleMs, initialCapacity);
      /** Model: per exact pair, bytes since the pair's current series started (reset when it expires). */
      const exact = new Map<string, { bytes: number; last: number }>();
      let now = 1000;
      let total = 0;
      let expiredBytes = 0;
      let previous = new Map<string, number>();
      for (const o of ops) {
        now += o.advance;
        s.add(key(o.a, o.b), 0, o.bytes, 1, now);
        total += o.bytes;
        const m = exact.get(`${o.a},${o.b}`);
        if (m) { m.bytes += o.bytes; m.last = now; } else exact.set(`${o.a},${o.b}`, { bytes: o.bytes, last: now });
        if (o.expire) {
          const before = series(s).reduce((x, y) => x + y.bytes, 0);
          s.expire(now);
          expiredBytes += before - series(s).reduce((x, y) => x + y.bytes, 0);
          for (const [k, v] of exact) if (idleMs > 0 && now - v.last > idleMs) exact.delete(k);
        }
        const held = series(s);
        assert.ok(held.length <= limit, `${held.length} series > limit ${limit}`);
        assert.equal(held.reduce((x, y) => x + y.bytes, 0) + expiredBytes, total, 'bytes conserved');
        assert.equal(held.reduce((x, y) => x + y.packets, 0), held.reduce((x, y) => x + y.packets, 0));
        const values = new Map<string, number>();
        for (const h of held) {
          const id = `${h.a},${h.b},${h.level}`;
          assert.ok(!values.has(id), `one series per key (${id})`);
          values.set(id, h.bytes);
          const was = previous.get(id);
          if (was !== undefined) assert.ok(h.bytes >= was, `series ${id} went down: ${was} → ${h.bytes}`);
          // An exact series holds everything its pair sent since it started (a pair is only ever
          // rolled when it has no exact series, and an exact series is never folded away).
          if (h.level === 0) assert.equal(h.bytes, exact.get(`${h.a},${h.b}`)?.bytes, `exact series ${h.a},${h.b}`);
          if (policy === 'overflow') assert.ok(h.level <= 0, 'no roll-up under policy overflow');
        }
        previous = values;
      }
    },
  ), { numRuns: 300, seed: 11 });
});

test('property: with roll-up, every source\'s sum over the pair series is exact while the sources fit', () => {
  fc.assert(fc.property(
    fc.array(op, { minLength: 1, maxLength: 600 }), fc.integer({ min: 9, max: 120 }),
    (ops, limit) => {
      const sources = Math.floor((limit - 1) / 8); // the share kept for /0 catch-alls
      const s = store(limit, 'rollup');
      const bySource = new Map<number, number>();
      let now = 0;
      for (const o of ops) {
        const a = o.a % Math.max(1, sources);
        s.add(key(a, o.b), 0, o.bytes, 1, ++now);
        bySource.set(a, (bySource.get(a) ?? 0) + o.bytes);
      }
      const held = series(s);
      assert.ok(!s.overflow.present, 'nothing overflowed while the sources fit');
      const sums = new Map<number, number>();
      for (const h of held) sums.set(h.a, (sums.get(h.a) ?? 0) + h.bytes);
      assert.deepEqual(new Map([...sums].sort()), new Map([...bySource].sort()));
    },
  ), { numRuns: 300, seed: 12 });
});

test('roll-up levels in order: exact, /24, /16, /0, then the overflow series', () => {
  const s = store(17, 'rollup'); // usable 16: exact < 12, /24 < 13, /16 < 14, /0 < 16
  const ip = (x: string) => x.split('.').reduce((v, o) => v * 256 + Number(o), 0);
  for (let i = 1; i <= 12; i++) s.add(key(1, ip(`198.51.100.${i}`)), 0, 10, 1, 1);
  assert.equal(s.size, 12);
  s.add(key(1, ip('198.51.100.99')), 0, 10, 1, 2); // no room for exact: /24
  s.add(key(1, ip('198.51.100.77')), 0, 10, 1, 2); // same /24
  s.add(key(1, ip('198.52.1.1')), 0, 10, 1, 2); // new /24 has no room: /16
  s.add(key(1, ip('203.0.113.1')), 0, 10, 1, 2); // /0
  s.add(key(2, ip('203.0.113.1')), 0, 10, 1, 2); // another source's /0 (last usable series)
  s.add(key(3, ip('203.0.113.1')), 0, 10, 1, 2); // full: overflow
  const held = series(s).map((h) => [h.a, h.level, h.level > 0 ? h.b >>> 0 : h.b, h.bytes]);
  assert.deepEqual(held.slice(12), [
    [1, 1, ip('198.51.100.0'), 20],
    [1, 2, ip('198.52.0.0'), 10],
    [1, 3, 0, 10],
    [2, 3, 0, 10],
    [-1, -1, -1, 10],
  ]);
  assert.equal(s.counts.overflowed, 1);
  assert.deepEqual([...s.counts.rolled], [0, 2, 1, 2]);
});

test('rolled-up series are found again after expiry compacts and rehashes the store', () => {
  const s = store(1001, 'rollup', 100); // usable 1000: exact < 750, /24 < 812
  for (let i = 0; i < 10; i++) s.add(key(1000 + i, i), 0, 1, 1, 0); // idle by t = 150
  for (let i = 0; i < 740; i++) s.add(key(i, i), 0, 1, 1, 100);
  const rolled = [0x0a000001, 0x0a000102, 0x0a000203, 0x0a000304, 0x0a000405];
  for (const b of rolled) s.add(key(5000, b), 0, 10, 1, 100); // no exact room: one /24 each
  assert.equal(s.size, 755);
  assert.equal(s.expire(150), 10);
  for (let i = 740; i < 750; i++) s.add(key(i, i), 0, 1, 1, 150); // exact room taken again
  for (const b of rolled) s.add(key(5000, b + 7), 0, 10, 1, 150); // same /24s: found, not added
  const held = series(s).filter((h) => h.a === 5000);
  assert.deepEqual(held.map((h) => [h.level, h.b >>> 0, h.bytes]), rolled.map((b) => [1, (b & 0xffffff00) >>> 0, 20]));
});

test('growth keeps every entry findable; expiry compacts and keeps the rest findable', () => {
  const s = store(100_000, 'overflow', 10, 2);
  for (let i = 0; i < 20_000; i++) s.add(key(i, i * 7), 0, 1, 1, i < 10_000 ? 0 : 100);
  assert.equal(s.size, 20_000);
  assert.equal(s.expire(105), 10_000);
  for (let i = 10_000; i < 20_000; i++) s.add(key(i, i * 7), 0, 1, 1, 106);
  assert.equal(s.size, 10_000, 'existing keys found after the compaction');
  assert.ok(series(s).every((h) => h.bytes === 2));
});

test('growth from a capacity that is not a power of two (slots and entry numbers grow at different sizes) keeps every entry findable', () => {
  for (const initial of [3, 5, 6, 7, 100, 1000]) {
    const s = store(100_000, 'overflow', 0, initial);
    // Each new key, then every key so far again: a look-up right after each growth.
    for (let i = 0; i < 600; i++) for (let j = 0; j <= i; j++) s.add(key(j, ~j), 0, 1, 1, 0);
    assert.equal(s.size, 600, `initial capacity ${initial}: every key found again`);
    assert.ok(series(s).every((h, j) => h.bytes === 600 - j));
  }
});

test('property: addAll (a flush\'s keys at once) leaves the store as add() key by key does, roll-up and overflow included', () => {
  fc.assert(fc.property(
    fc.array(fc.array(fc.record({ a: fc.integer({ min: 0, max: 40 }), b: fc.integer({ min: 0, max: 400 }), bytes: fc.nat({ max: 1500 }) }), { maxLength: 70, size: 'max' }), { maxLength: 8 }),
    fc.integer({ min: 2, max: 300 }), fc.constantFrom<OverflowPolicy>('overflow', 'rollup'),
    (flushes, limit, policy) => {
      const one = store(limit, policy);
      const all = store(limit, policy);
      flushes.forEach((flush, t) => {
        const keys = new Uint32Array(flush.length * WORDS.length);
        flush.forEach((k, i) => keys.set(key((10 << 24) | k.a, (198 << 24) | (k.b * 97)), i * WORDS.length));
        const bytes = Float64Array.from(flush, (k) => k.bytes);
        const packets = Float64Array.from(flush, () => 1);
        for (let i = 0; i < flush.length; i++) one.add(keys, i * WORDS.length, bytes[i], packets[i], t);
        all.addAll(keys, flush.length, bytes, packets, t);
      });
      assert.deepEqual(series(all), series(one));
      assert.deepEqual([...all.counts.rolled], [...one.counts.rolled]);
      assert.equal(all.counts.overflowed, one.counts.overflowed);
    },
  ), { numRuns: 200 });
});

test('property: addAll with a flow table\'s own hashes (FlowTable.hashes), mixed with add(), leaves the store as add() does; the table\'s hashes are hashWords over its keys', () => {
  fc.assert(fc.property(
    fc.array(fc.array(fc.record({ a: fc.integer({ min: 0, max: 40 }), b: fc.integer({ min: 0, max: 400 }), v6: fc.boolean(), bytes: fc.nat({ max: 1500 }) }), { maxLength: 120, size: 'max' }), { maxLength: 8 }),
    fc.integer({ min: 2, max: 300 }), fc.constantFrom<OverflowPolicy>('overflow', 'rollup'),
    (flushes, limit, policy) => {
      const one = store(limit, policy);
      const all = store(limit, policy);
      const table = new FlowTable(64, WORDS, 2); // grows, and overflows past 64 keys
      flushes.forEach((flush, t) => {
        for (const k of flush) {
          const full = table.scratch;
          full.fill(0);
          full[KeyWord.A] = (10 << 24) | k.a;
          full[KeyWord.B] = (198 << 24) | (k.b * 97);
          if (k.v6) full[KeyWord.B + 3] = k.b;
          full[KeyWord.PROTO] = k.v6 ? 6 : 4;
          table.add(k.bytes, 1);
        }
        for (let e = 0; e < table.size; e++) {
          assert.equal(table.hashes[e], hashWords(table.keys, e * WORDS.length, WORDS.length));
          one.add(table.keys, e * WORDS.length, table.bytes[e], table.packets[e], t);
        }
        // Flushes through add() in between (as after a networks file appears): the hashes given
        // must be the ones add() computes, or keys are not found again.
        if (t % 3 === 2) for (let e = 0; e < table.size; e++) all.add(table.keys, e * WORDS.length, table.bytes[e], table.packets[e], t);
        else all.addAll(table.keys, table.size, table.bytes, table.packets, t, table.hashes);
        table.clear();
      });
      assert.deepEqual(series(all), series(one));
      assert.deepEqual([...all.counts.rolled], [...one.counts.rolled]);
      assert.equal(all.counts.overflowed, one.counts.overflowed);
    },
  ), { numRuns: 200 });
});

test('expiry waits for readers', () => {
  const s = store(100, 'overflow', 10);
  s.add(key(1, 2), 0, 1, 1, 0);
  const end = s.beginRead();
  assert.equal(s.expire(1000), 0, 'not while read');
  assert.equal(end, 1);
  s.endRead();
  assert.equal(s.expire(1000), 1);
});

test('a held series costs well under 200 bytes', () => {
  const s = store(2_000_001, 'overflow', 0, 1 << 20);
  for (let i = 0; i < 1 << 20; i++) s.add(key(i, ~i), 0, 1, 1, 0);
  const perSeries = s.memoryBytes() / s.size;
  assert.ok(perSeries <= 120, `${perSeries.toFixed(1)} bytes per series`);
});

test('a store is allocated for its limit (up to PRESIZE_ENTRIES) at once: filling it never copies its entries', () => {
  const s = new SeriesStore({ words: WORDS, limit: 300_001, idleMs: 0, policy: 'overflow', rollable: true, localSide: false });
  assert.equal(s.capacity, 300_000);
  const arrays = [s.keys, s.bytes, s.packets, s.start, s.last];
  for (let i = 0; i < 300_000; i++) s.add(key(i, ~i), 0, i, 1, 7);
  assert.equal(s.size, 300_000);
  assert.ok(arrays.every((a, i) => a === [s.keys, s.bytes, s.packets, s.start, s.last][i]), 'the same arrays');
  for (let i = 0; i < 300_000; i += 997) assert.equal(s.bytes[i], i);
  assert.ok(s.memoryBytes() / s.size <= 120, 'memoryBytes counts the series held, not the allocation');
  const big = new SeriesStore({ words: WORDS, limit: 10 * PRESIZE_ENTRIES, idleMs: 0, policy: 'overflow', rollable: true, localSide: false });
  assert.equal(big.capacity, PRESIZE_ENTRIES, 'beyond PRESIZE_ENTRIES it grows by doubling');
});
