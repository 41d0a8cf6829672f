import { GCProfiler } from 'node:v8';

/** GC types of the young generation: what allocation in a hot loop triggers. */
const YOUNG_GC = new Set(['Scavenge', 'MinorMarkSweep', 'MinorMarkCompact']);

/**
 * Number of young-generation garbage collections V8 ran while `fn` ran. A loop that allocates
 * nothing triggers none; one that allocates even 32 bytes per iteration over a few million
 * iterations fills the young generation several times. (Major collections are not counted: V8
 * may finish marking that earlier work started, whatever the loop does.) Call after a warm-up so
 * that JIT compilation is done.
 */
export function gcCountDuring(fn: () => void): number {
  const profiler = new GCProfiler();
  profiler.start();
  fn();
  const result = profiler.stop();
  return (result?.statistics ?? []).filter((g) => YOUNG_GC.has(g.gcType)).length;
}
