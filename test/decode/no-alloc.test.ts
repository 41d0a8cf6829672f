import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodePacket } from '../../src/decode/decode-packet.ts';
import { DecodeResult } from '../../src/decode/decode-result.ts';
import { SAMPLES } from './corpus.ts';

const ITERATIONS = 1_000_000;
const MAX_HEAP_GROWTH = 1 << 20;

/**
 * All corpus frames plus every truncation of them, laid out in one buffer, so that the loop goes
 * through every decoder branch including the error returns.
 */
function workload() {
  const frames: Array<{ offset: number; capLen: number; wireLen: number; linkType: number }> = [];
  const total = SAMPLES.reduce((sum, s) => sum + s.frame.length, 0);
  const buffer = new Uint8Array(total);
  let offset = 0;
  for (const s of SAMPLES) {
    buffer.set(s.frame, offset);
    for (let capLen = 0; capLen <= s.frame.length; capLen += 3) {
      frames.push({ offset, capLen, wireLen: s.wireLen ?? s.frame.length, linkType: s.linkType });
    }
    offset += s.frame.length;
  }
  return {
    buffer,
    offsets: Int32Array.from(frames, (f) => f.offset),
    capLens: Int32Array.from(frames, (f) => f.capLen),
    wireLens: Int32Array.from(frames, (f) => f.wireLen),
    linkTypes: Int32Array.from(frames, (f) => f.linkType),
  };
}

function run(w: ReturnType<typeof workload>, iterations: number, out: DecodeResult): number {
  const n = w.offsets.length;
  let checksum = 0;
  for (let i = 0, j = 0; i < iterations; i++) {
    checksum += decodePacket(w.buffer, w.offsets[j], w.capLens[j], w.wireLens[j], w.linkTypes[j], out) + out.srcPort;
    if (++j === n) j = 0;
  }
  return checksum;
}

/**
 * One measurement: garbage collections observed and heap growth over ITERATIONS decodes. A loop
 * that allocates even 1 byte per decode either grows the heap by more than 1 MB or triggers a
 * scavenge, so both must stay at zero / under the bound.
 */
async function measure(w: ReturnType<typeof workload>, out: DecodeResult): Promise<{ gcs: number; growth: number }> {
  let gcs = 0;
  const observer = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  await sleep(10);
  observer.observe({ entryTypes: ['gc'] });
  const before = process.memoryUsage().heapUsed;
  run(w, ITERATIONS, out);
  const growth = process.memoryUsage().heapUsed - before;
  await sleep(50); // gc entries are delivered asynchronously
  observer.disconnect();
  return { gcs, growth };
}

describe('allocation', () => {
  it(`decodes ${ITERATIONS} frames without allocating`, async () => {
    const w = workload();
    const out = new DecodeResult();
    run(w, 300_000, out); // warm-up: let the optimizing compiler finish
    // Retry a couple of times so that an unrelated GC (the test runner, a timer) cannot make
    // the test flaky; a decoder that allocates fails every attempt.
    const attempts: Array<{ gcs: number; growth: number }> = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await measure(w, out);
      attempts.push(result);
      if (result.gcs === 0 && result.growth < MAX_HEAP_GROWTH) return;
    }
    assert.fail(`decode loop allocates: ${JSON.stringify(attempts)}`);
  });
});
