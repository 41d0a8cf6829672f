import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FairKeyTable } from '../../src/flow/fair-key-table.ts';
import { Prng } from '../support/prng.ts';

describe('FairKeyTable', () => {
  it('matches a plain model over random inserts, touches and removals (seeded)', () => {
    const capacity = 64;
    const protect = 4;
    const rng = new Prng(1414);
    const removed: number[] = [];
    const t = new FairKeyTable(capacity, protect, 0, (e) => removed.push(e));
    /** Model: entry → owner and order of use (higher: more recent). */
    const owner = new Map<number, number>();
    const used = new Map<number, number>();
    let clock = 0;
    let nowMs = 0;
    let key = 0;
    const seen = { others: 0, own: 0, refused: 0 };
    for (let step = 0; step < 20_000; step++) {
      nowMs += rng.int(3);
      const op = rng.int(10);
      if (op < 6) {
        const o = rng.int(rng.chance(0.5) ? 3 : 40);
        const counts = new Map<number, number>();
        for (const x of owner.values()) counts.set(x, (counts.get(x) ?? 0) + 1);
        const mine = counts.get(o) ?? 0;
        const max = Math.max(0, ...counts.values());
        const full = owner.size >= capacity;
        removed.length = 0;
        const e = t.insert(o, o, 0, ++key, nowMs);
        if (!full) {
          assert.ok(e >= 0 && t.evictedOwner === -1);
        } else if (max > protect && max > mine + 1) {
          assert.equal(counts.get(t.evictedOwner), max, 'evicted from an exporter holding the most');
          seen.others++;
        } else if (mine > 0) {
          assert.equal(t.evictedOwner, o, 'cycles its own');
          seen.own++;
        } else {
          assert.equal(e, -1, 'refused');
          assert.equal(t.evictedOwner, -1);
          seen.refused++;
          continue;
        }
        if (t.evictedOwner >= 0) {
          // The least recently used entry of that owner went.
          assert.equal(removed.length, 1);
          const gone = removed[0];
          assert.equal(owner.get(gone), t.evictedOwner);
          for (const [x, u] of used) if (owner.get(x) === t.evictedOwner && x !== gone) assert.ok(u > used.get(gone)!);
          owner.delete(gone);
          used.delete(gone);
        }
        owner.set(e, o);
        used.set(e, ++clock);
      } else if (op < 8 && owner.size > 0) {
        const e = [...owner.keys()][rng.int(owner.size)];
        t.touch(e, nowMs, rng.chance(0.5));
        used.set(e, ++clock);
      } else if (owner.size > 0) {
        const e = [...owner.keys()][rng.int(owner.size)];
        t.remove(e);
        owner.delete(e);
        used.delete(e);
      }
      assert.equal(t.size, owner.size);
    }
    assert.ok(seen.others > 100 && seen.own > 100 && seen.refused > 10, JSON.stringify(seen));
    for (let o = 0; o < 40; o++) assert.equal(t.count(o), [...owner.values()].filter((x) => x === o).length, `owner ${o}`);
  });
});
