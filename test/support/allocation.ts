import { GCProfiler, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A full collection on demand (as --expose-gc gives): gcCountDuring empties the young generation
// before it counts, so allocation made before `fn` (a warm-up, the test's setup) cannot fill it
// during `fn` and be counted against it.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** GC types of the young generation: what allocation in a hot loop triggers. */
const YOUNG_GC = new Set(['Scavenge', 'MinorMarkSweep', 'MinorMarkCompact']);

/**
 * Number of young-generation garbage collections V8 ran while `fn` ran. A loop that allocates
 * nothing triggers none; one that allocates even 32 bytes per iteration over a few million
 * iterations fills the young generation several times. The young generation is emptied first. (Major collections are not counted: V8
 * may finish marking that earlier work started, whatever the loop does.) Call after a warm-up so
 * that JIT compilation is done.
 */
export function gcCountDuring(fn: () => void): number {
  collectGarbage();
  const profiler = new GCProfiler();
  profiler.start();
  fn();
  const result = profiler.stop();
  return (result?.statistics ?? []).filter((g) => YOUNG_GC.has(g.gcType)).length;
}

/**
 * The fewest young-generation collections over up to `runs` runs of `fn` (it stops at the first
 * run with none). On a loaded machine V8's optimising compiler, which runs on a background
 * thread, may finish after the warm-up: until it does, interpreted code boxes doubles in heap
 * numbers and a run can see one collection that is the JIT's, not the loop's. A loop that does
 * allocate per iteration fills the young generation in every run, so it still fails.
 */
export function fewestYoungGcs(fn: () => void, runs = 3): number {
  let fewest = Infinity;
  for (let r = 0; r < runs && fewest > 0; r++) fewest = Math.min(fewest, gcCountDuring(fn));
  return fewest;
}
