import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NetflowKeyTable } from '../../src/flow/netflow-key-table.ts';
import { RECORD_WINDOWS, SequenceTracker } from '../../src/flow/netflow-sequence.ts';
import { Prng } from '../support/prng.ts';

describe('netflow key table', () => {
  it('agrees with a Map over random inserts and removals, reusing freed entries', () => {
    const rng = new Prng(3);
    const table = new NetflowKeyTable(500);
    const model = new Map<string, number>();
    for (let step = 0; step < 50_000; step++) {
      // Few distinct keys, so that probe runs collide and wrap.
      const a = rng.int(4);
      const b = rng.chance(0.5) ? rng.int(8) : 0xffffffff - rng.int(3);
      const c = rng.int(64);
      const key = `${a}/${b}/${c}`;
      const found = table.find(a, b, c);
      assert.equal(found, model.get(key) ?? -1, `step ${step}: find ${key}`);
      if (found >= 0 && rng.chance(0.5)) {
        table.remove(found);
        model.delete(key);
      } else if (found < 0) {
        const e = table.insert(a, b, c);
        if (model.size >= 500) assert.equal(e, -1);
        else {
          assert.ok(e >= 0 && e < 500 && ![...model.values()].includes(e), `step ${step}: entry ${e}`);
          model.set(key, e);
        }
      }
      assert.equal(table.size, model.size);
    }
  });
});

describe('sequence tracker', () => {
  const { maxGap, reorder } = RECORD_WINDOWS;
  const check = (t: SequenceTracker, seq: number, n: number) => t.check(0, 0, 10, seq | 0, n, 0, maxGap, reorder);

  it('counts gaps, ignores late datagrams and resyncs on restarts and far jumps', () => {
    const t = new SequenceTracker();
    assert.equal(check(t, 100, 10), 0);
    assert.equal(check(t, 110, 10), 0);
    assert.equal(check(t, 125, 10), 5);
    assert.equal(check(t, 115, 10), 0); // late
    assert.equal(check(t, 135, 10), 0);
    assert.equal(check(t, 0x80000000, 10), 0); // far jump: resync
    assert.equal(check(t, 0xfffffff0, 10), 0); // and again
    assert.equal(check(t, 0xfffffffa, 10), 0);
    assert.equal(check(t, 4, 10), 0); // wraps modulo 2^32
    assert.equal(check(t, 20, 10), 6);
  });

  it('follows exporters whose sequence number includes the datagram\'s own records (softflowd\'s IPFIX)', () => {
    const t = new SequenceTracker();
    assert.equal(check(t, 16, 16), 0);
    assert.equal(check(t, 38, 22), 0);
    assert.equal(check(t, 62, 24), 0);
    assert.equal(check(t, 87, 25), 0);
    assert.equal(check(t, 120, 30), 3); // 3 records lost in between, counted in that convention
    assert.equal(check(t, 150, 30), 0); // equal counts: both conventions agree
  });

  it('keeps streams apart by exporter, domain and version', () => {
    const t = new SequenceTracker();
    t.check(0, 1, 10, 100, 1, 0, maxGap, reorder);
    t.check(0, 2, 10, 500, 1, 0, maxGap, reorder);
    t.check(1, 1, 10, 900, 1, 0, maxGap, reorder);
    t.check(0, 1, 9, 50, 1, 0, maxGap, reorder);
    assert.equal(t.size, 4);
    assert.equal(t.check(0, 1, 10, 103, 1, 0, maxGap, reorder), 2);
  });
});
