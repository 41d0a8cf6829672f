/**
 * A fixed-capacity hash table from a key of three 32-bit words to a dense entry index
 * (0 .. capacity-1), on typed arrays: no object, string or boxed number per key, so lookups on
 * the per-datagram path allocate nothing. Entries are removed by index (backward-shift deletion,
 * no tombstones), and freed indexes are reused. The template cache, sampler table and sequence
 * tracker each keep their values in arrays indexed by the entry index.
 */
export class NetflowKeyTable {
  /** Most entries held; insert() returns -1 past it. */
  readonly capacity: number;
  readonly #mask: number;
  /** Open-addressing slots: entry index + 1, 0 = empty. */
  readonly #slots: Int32Array;
  /** Key words per entry index. */
  readonly #keys: Uint32Array;
  readonly #used: Uint8Array;
  readonly #free: Int32Array;
  #freeTop: number;
  #size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.#mask = n - 1;
    this.#slots = new Int32Array(n);
    this.#keys = new Uint32Array(capacity * 3);
    this.#used = new Uint8Array(capacity);
    this.#free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.#free[i] = capacity - 1 - i;
    this.#freeTop = capacity;
  }

  get size(): number {
    return this.#size;
  }

  /** True when entry `index` holds a key. */
  used(index: number): boolean {
    return this.#used[index] === 1;
  }

  /** Word `w` (0..2) of entry `index`'s key. */
  key(index: number, w: number): number {
    return this.#keys[index * 3 + w];
  }

  /** Entry index of key (a, b, c), or -1. */
  find(a: number, b: number, c: number): number {
    const mask = this.#mask;
    for (let s = hash(a, b, c) & mask; ; s = (s + 1) & mask) {
      const e = this.#slots[s] - 1;
      if (e < 0) return -1;
      const k = e * 3;
      if (this.#keys[k] === a >>> 0 && this.#keys[k + 1] === b >>> 0 && this.#keys[k + 2] === c >>> 0) return e;
    }
  }

  /** Adds key (a, b, c), which must not be present; its entry index, or -1 when full. */
  insert(a: number, b: number, c: number): number {
    if (this.#freeTop === 0) return -1;
    const e = this.#free[--this.#freeTop];
    const k = e * 3;
    this.#keys[k] = a; this.#keys[k + 1] = b; this.#keys[k + 2] = c;
    this.#used[e] = 1;
    const mask = this.#mask;
    let s = hash(a, b, c) & mask;
    while (this.#slots[s] !== 0) s = (s + 1) & mask;
    this.#slots[s] = e + 1;
    this.#size++;
    return e;
  }

  /** Removes entry `index` (which must be used); the index may be returned by a later insert. */
  remove(index: number): void {
    const k = index * 3;
    const mask = this.#mask;
    let s = hash(this.#keys[k], this.#keys[k + 1], this.#keys[k + 2]) & mask;
    while (this.#slots[s] !== index + 1) s = (s + 1) & mask;
    // Backward-shift deletion: move later members of the probe run into the hole.
    let hole = s;
    for (let j = (s + 1) & mask; this.#slots[j] !== 0; j = (j + 1) & mask) {
      const e = this.#slots[j] - 1;
      const home = hash(this.#keys[e * 3], this.#keys[e * 3 + 1], this.#keys[e * 3 + 2]) & mask;
      // Move e when its home is not in (hole, j] (cyclically).
      if (hole <= j ? (home <= hole || home > j) : (home <= hole && home > j)) {
        this.#slots[hole] = e + 1;
        hole = j;
      }
    }
    this.#slots[hole] = 0;
    this.#used[index] = 0;
    this.#free[this.#freeTop++] = index;
    this.#size--;
  }
}

/** Mixes the key into a signed 32-bit hash (signed: an int32 stays a small integer, never a boxed number). */
function hash(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ c, 0x27d4eb2f);
  return h ^ (h >>> 15);
}
