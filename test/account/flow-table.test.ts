import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlowTable, KEY_WORDS } from '../../src/account/flow-table.ts';
import { hashWords } from '../../src/account/key-hash.ts';
import { fewestYoungGcs } from '../support/allocation.ts';

function addKey(t: FlowTable, id: number, bytes: number): void {
  t.scratch.fill(0);
  t.scratch[0] = id;
  t.scratch[KEY_WORDS - 1] = id * 7;
  t.add(bytes, 1);
}

function contents(t: FlowTable): Map<number, [number, number]> {
  const m = new Map<number, [number, number]>();
  for (let e = 0; e < t.size; e++) m.set(t.keys[e * KEY_WORDS], [t.bytes[e], t.packets[e]]);
  return m;
}

test('same key accumulates, distinct keys stay apart', () => {
  const t = new FlowTable(1000);
  for (let i = 0; i < 5000; i++) addKey(t, i % 700, 100 + (i % 3));
  assert.equal(t.size, 700);
  const m = contents(t);
  let bytes = 0;
  let packets = 0;
  for (const [, [b, p]] of m) { bytes += b; packets += p; }
  assert.equal(packets, 5000);
  assert.equal(bytes, Array.from({ length: 5000 }, (_, i) => 100 + (i % 3)).reduce((a, b) => a + b));
  assert.equal(t.overflowPackets, 0);
});

test('keys that differ only in the last word are different entries', () => {
  const t = new FlowTable(16);
  for (const last of [1, 2]) {
    t.scratch.fill(9);
    t.scratch[KEY_WORDS - 1] = last;
    t.add(10, 1);
  }
  assert.equal(t.size, 2);
});

test('a full table counts new keys as overflow and keeps known keys exact', () => {
  const t = new FlowTable(10);
  for (let i = 0; i < 25; i++) addKey(t, i, 50);
  addKey(t, 3, 50); // known key still lands in its entry
  assert.equal(t.size, 10);
  assert.equal(t.overflowPackets, 15);
  assert.equal(t.overflowBytes, 750);
  assert.deepEqual(contents(t).get(3), [100, 2]);
});

test('clear empties the table for reuse', () => {
  const t = new FlowTable(100);
  for (let i = 0; i < 150; i++) addKey(t, i, 1);
  t.clear();
  assert.equal(t.size, 0);
  assert.equal(t.overflowPackets, 0);
  addKey(t, 5, 9);
  assert.deepEqual([...contents(t)], [[5, [9, 1]]]);
});

test('adding packets does not allocate', () => {
  const t = new FlowTable(1 << 16);
  for (let i = 0; i < 200_000; i++) addKey(t, i & 0xffff, 1); // warm up and fill
  const gcs = fewestYoungGcs(() => {
    for (let i = 0; i < 2_000_000; i++) addKey(t, i & 0xffff, 1);
  });
  assert.equal(gcs, 0, `${gcs} garbage collections during 2M adds`);
});

test('growing keeps every entry findable, whether the key that finds the table at capacity is new or known', () => {
  const t = new FlowTable(1000, [0, KEY_WORDS - 1], 4);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 600; i++) addKey(t, i, i + 1);
  }
  assert.equal(t.size, 600);
  assert.equal(t.capacity, 1000);
  for (let e = 0; e < t.size; e++) {
    const id = t.keys[e * t.width];
    assert.equal(t.keys[e * t.width + 1], id * 7);
    assert.deepEqual([t.bytes[e], t.packets[e]], [3 * (id + 1), 3]);
  }
  // A known key arriving while size == capacity neither grows the table nor adds an entry.
  const u = new FlowTable(100, [0, KEY_WORDS - 1], 8);
  for (let i = 0; i < 8; i++) addKey(u, i, 1);
  addKey(u, 3, 1);
  assert.equal(u.size, 8);
  assert.equal(u.capacity, 8);
  addKey(u, 8, 1);
  assert.equal(u.capacity, 16);
  assert.deepEqual([...contents2(u)].sort((a, b) => a[0] - b[0]).map(([id, v]) => [id, v[1]]), [[0, 1], [1, 1], [2, 1], [3, 2], [4, 1], [5, 1], [6, 1], [7, 1], [8, 1]]);
});

function contents2(t: FlowTable): Map<number, [number, number]> {
  const m = new Map<number, [number, number]>();
  for (let e = 0; e < t.size; e++) m.set(t.keys[e * t.width], [t.bytes[e], t.packets[e]]);
  return m;
}

test('hashes[e] is the hash of entry e\'s compact key, through growth and clear', () => {
  const t = new FlowTable(5000, [0, 3, KEY_WORDS - 1], 4);
  const check = (): void => {
    for (let e = 0; e < t.size; e++) assert.equal(t.hashes[e], hashWords(t.keys, e * t.width, t.width), `entry ${e}`);
  };
  for (let i = 0; i < 3000; i++) addKey(t, (i * 2654435761) >>> 0, 1);
  check();
  t.clear();
  for (let i = 0; i < 100; i++) addKey(t, 0xfffffff0 + (i % 20), 1);
  assert.equal(t.size, 20);
  check();
});

test('keys stay apart whatever room the slot leaves for the hash tag (tiny and huge maxEntries)', () => {
  for (const [maxEntries, keys] of [[3, 3], [1 << 30, 5000]]) {
    // 2^30 entries leave one tag bit in a slot: most probes compare keys.
    const t = new FlowTable(maxEntries, [0, KEY_WORDS - 1], 4);
    for (let round = 0; round < 2; round++) for (let i = 0; i < keys; i++) addKey(t, i, 10);
    assert.equal(t.size, keys);
    const m = contents2(t);
    for (let i = 0; i < keys; i++) assert.deepEqual(m.get(i), [20, 2], `key ${i} of table ${maxEntries}`);
    assert.equal(t.overflowPackets, 0);
  }
});
