/**
 * The seeded random source of the fuzzers and the bench generator (mulberry32): the same seed
 * gives the same frames, files and mutations on every machine, so a failure report (seed, frame
 * number) reproduces exactly.
 */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform 32-bit unsigned integer. */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  unit(): number {
    return this.next() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.unit() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.unit() < p;
  }

  /** A uniformly chosen element of `list`. */
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }

  /** Index chosen with probability proportional to `weights[i]`. */
  weighted(weights: readonly number[], total: number): number {
    let r = this.unit() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** Fills `out[start .. end)` with random bytes. */
  fill(out: Uint8Array, start: number, end: number): void {
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const v = this.next();
      out[i] = v;
      out[i + 1] = v >>> 8;
      out[i + 2] = v >>> 16;
      out[i + 3] = v >>> 24;
    }
    for (; i < end; i++) out[i] = this.next();
  }
}

/** A function returning uniform numbers in [0, 1) from `seed` (the same sequence as Prng.unit()). */
export function prng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.unit();
}
