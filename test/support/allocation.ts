import { GCProfiler } from 'node:v8';

/**
 * Number of garbage collections V8 ran while `fn` ran. A loop that allocates nothing triggers
 * none; one that allocates even 32 bytes per iteration over a few million iterations fills the
 * young generation several times. Call after a warm-up so that JIT compilation is done.
 */
export function gcCountDuring(fn: () => void): number {
  const profiler = new GCProfiler();
  profiler.start();
  fn();
  const result = profiler.stop();
  return result?.statistics.length ?? 0;
}
