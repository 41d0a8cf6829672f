import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runNetflowFuzz } from './netflow-fuzz-run.ts';

describe('netflow / ipfix fuzz', () => {
  for (const seed of [1, 2]) {
    it(`survives 10k mutated datagrams with consistent counters (seed ${seed})`, () => {
      const s = runNetflowFuzz(seed, 10_000);
      // The run must exercise decoding and every kind of rejection, not only one of them.
      assert.ok(s.records > 10_000, `only ${s.records} records decoded`);
      for (const reason of ['truncated', 'bad_version', 'bad_template', 'no_template']) assert.ok(s.errors[reason] > 0, `no ${reason}: ${JSON.stringify(s.errors)}`);
      assert.ok(s.templates > 0);
    });
  }
});
