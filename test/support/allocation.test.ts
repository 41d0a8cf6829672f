import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fewestYoungGcs, gcCountDuring } from './allocation.ts';

// The allocation checks must be able to fail: a loop that allocates per iteration is seen in
// every run, and one that does not is not.
const sink: unknown[] = [];

test('a loop that allocates per iteration is counted, in every run', () => {
  const allocating = (): void => {
    for (let i = 0; i < 2_000_000; i++) sink[i & 1023] = { i };
  };
  assert.ok(gcCountDuring(allocating) > 0);
  assert.ok(fewestYoungGcs(allocating) > 0);
});

test('a loop that allocates nothing is not', () => {
  const numbers = new Float64Array(1024);
  const quiet = (): void => {
    for (let i = 0; i < 2_000_000; i++) numbers[i & 1023] += i;
  };
  for (let r = 0; r < 3; r++) quiet();
  assert.equal(fewestYoungGcs(quiet), 0);
});
