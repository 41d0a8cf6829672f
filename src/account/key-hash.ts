/**
 * The hashing both typed-array tables use (FlowTable per packet, SeriesStore per key) and the
 * live page's address ids: one definition, so a key hashes the same wherever it goes.
 */

/** FNV-1a offset basis: the seed of a key's hash. */
export const HASH_SEED = 0x811c9dc5;

/** One round: mixes word `w` into hash `h` (FNV-1a prime, then a xor-shift). */
export function hashStep(h: number, w: number): number {
  h = Math.imul(h ^ w, 0x01000193);
  return h ^ (h >>> 15);
}

/** The hash of `n` words of `k` from `at`, as a non-zero uint32 tag (0 marks an empty slot). */
export function hashWords(k: Uint32Array, at: number, n: number, seed: number = HASH_SEED): number {
  let h = seed;
  for (let i = 0; i < n; i++) h = hashStep(h, k[at + i]);
  return (h | 1) >>> 0;
}

/**
 * The shift that picks a key's bit in a bitset of `bytes` bytes (a power of two) from its hash:
 * `hash >>> shift` (its top bits). The flow table's gate and the store's keyBits() must agree.
 */
export function hashBitShift(bytes: number): number {
  return 32 - Math.log2(bytes * 8);
}

/** Hash slots for `entries`: a power of two ≥ 2 × entries (load factor ≤ ½). */
export function slotCount(entries: number): number {
  let s = 2;
  while (s < entries * 2) s *= 2;
  return s;
}

/** A copy of the first `used` elements of `a` in a new array of `size` elements. */
export function grown<T extends Uint32Array | Int32Array | Float64Array>(a: T, size: number, used: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a.subarray(0, used));
  return b;
}
