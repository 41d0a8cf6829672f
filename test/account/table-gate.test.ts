import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlowTable, STAND_IN } from '../../src/account/flow-table.ts';
import { hashWords } from '../../src/account/key-hash.ts';
import { SeriesStore } from '../../src/account/series-store.ts';

// The gate of a per-host table whose store is closed (FlowTable.setGate, SeriesStore.closed and
// keyBits): what it stops, what it lets through, how stopped keys are counted.

const WORDS = [0, 1, 2, 3, 9];

function store(limit: number, idleMs = 0): SeriesStore {
  return new SeriesStore({ words: WORDS, limit, idleMs, policy: 'overflow', rollable: false, localSide: true });
}

/** Adds host keys `ids` (one packet of 100 bytes each) to `s` through a flush-sized batch. */
function admit(s: SeriesStore, ids: readonly number[]): void {
  const keys = new Uint32Array(ids.length * 5);
  ids.forEach((id, i) => { keys[i * 5] = id; keys[i * 5 + 4] = 4 | (1 << 16); });
  s.addAll(keys, ids.length, new Float64Array(ids.length).fill(100), new Float64Array(ids.length).fill(1), 1000);
}

test('a store is closed once full, only if its series never expire and nothing rolls up', () => {
  const s = store(11);
  admit(s, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(s.closed, false, '9 of 10 usable series');
  admit(s, [10]);
  assert.equal(s.closed, true);
  const expiring = store(11, 60_000);
  admit(expiring, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(expiring.closed, false, 'its series can expire and make room');
  const rolling = new SeriesStore({ words: [0, 1, 2, 3, 4, 5, 6, 7, 9], limit: 11, idleMs: 0, policy: 'rollup', rollable: true, localSide: false });
  assert.equal(rolling.closed, false);
});

test('keyBits sets the bit of every key the store holds, as the flow table hashes it', () => {
  const s = store(1001);
  const ids = Array.from({ length: 1000 }, (_, i) => 0x0a000000 + i * 977);
  admit(s, ids);
  const bits = s.keyBits(4096);
  const k = new Uint32Array(5);
  for (const id of ids) {
    k[0] = id; k[4] = 4 | (1 << 16);
    const bit = hashWords(k, 0, 5) >>> (32 - 15);
    assert.notEqual(bits[bit >>> 3] & (1 << (bit & 7)), 0, `key ${id.toString(16)}`);
  }
  let set = 0;
  for (const b of bits) for (let i = 0; i < 8; i++) set += (b >> i) & 1;
  assert.ok(set <= 1000 && set > 950, `${set} bits set for 1000 keys`);
});

test('the gate lets the store\'s keys in and stops the others: counted once per interval, the packet left to a stand-in', () => {
  const s = store(501);
  const held = Array.from({ length: 500 }, (_, i) => 0x0a000000 + i);
  admit(s, held);
  const t = new FlowTable(10_000, WORDS);
  t.setGate(s.keyBits(2048));
  assert.equal(t.gated, true);
  const word = 4 | (1 << 16);
  for (const id of held) assert.equal(t.add5(id, 0, 0, 0, word, 100, 1), true, `held key ${id.toString(16)}`);
  assert.equal(t.size, 500);
  assert.equal(t.stopped, false);
  // Keys the store does not hold: most stop at the gate (a few share a bit with a held key).
  let stopped = 0;
  let passed = 0;
  for (let i = 0; i < 2000; i++) {
    const id = 0xc0a80000 + i;
    for (let p = 0; p < 3; p++) {
      const counted = t.add5(id, 0, 0, 0, word, 10, 1);
      if (counted) continue;
      assert.equal(t.stopped, true);
      t.stopped = false;
      assert.equal(t.addStandIn(7, word, 10, 1), true);
      if (p === 0) stopped++;
    }
    if (t.add5(id, 0, 0, 0, word, 0, 0)) passed++;
    else t.stopped = false;
  }
  assert.ok(stopped > 1800, `${stopped} of 2000 stopped`);
  assert.equal(stopped + passed, 2000);
  assert.equal(t.gatedKeys <= stopped && t.gatedKeys > stopped * 0.9, true, `${t.gatedKeys} counted for ${stopped} stopped (hash collisions merge a few)`);
  assert.equal(t.size, 500 + passed + 1, 'held keys, the ones that passed, one stand-in');
  assert.equal(t.standIns, 1);
  const e = findStandIn(t);
  assert.ok(e >= 0);
  assert.deepEqual([...t.keys.subarray(e * 5, e * 5 + 5)], [7, 0, 0, 0, (word | STAND_IN) >>> 0]);
  assert.equal(t.packets[e], stopped * 3);
  assert.equal(t.overflowPackets, 0, 'stopped packets are in the stand-in, not the overflow counters');
  t.clear();
  assert.equal(t.gatedKeys, 0);
  assert.equal(t.standIns, 0);
  assert.equal(t.add5(0xc0a80000, 0, 0, 0, word, 10, 1) || t.stopped, true, 'still gated after clear()');
  t.stopped = false;
  t.setGate(undefined);
  assert.equal(t.gated, false);
  assert.equal(t.add5(0xc0a80000, 0, 0, 0, word, 10, 1), true, 'no gate: entered');
  assert.throws(() => t.setGate(new Uint8Array(3000)), /power-of-two/);
});

function findStandIn(t: FlowTable): number {
  for (let e = 0; e < t.size; e++) if ((t.keys[e * 5 + 4] & STAND_IN) !== 0) return e;
  return -1;
}

test('a stand-in still finds a full table full', () => {
  const s = store(3);
  admit(s, [1, 2]);
  const t = new FlowTable(2, WORDS);
  t.setGate(s.keyBits(64));
  const word = 4 | (1 << 16);
  assert.equal(t.add5(1, 0, 0, 0, word, 1, 1), true);
  assert.equal(t.add5(2, 0, 0, 0, word, 1, 1), true);
  let id = 100;
  while (t.add5(id, 0, 0, 0, word, 1, 1)) id++;
  assert.equal(t.stopped, true);
  t.stopped = false;
  assert.equal(t.addStandIn(0, word, 5, 1), false, 'no room for the stand-in: the table\'s own overflow');
  assert.equal(t.overflowPackets, 1);
});
