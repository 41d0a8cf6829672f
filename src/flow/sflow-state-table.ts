import { hashWords, slotCount } from '../account/key-hash.ts';

/**
 * A bounded hash table from fixed-width keys (`keyWords` uint32 words) to fixed-width state
 * (`stateWords` uint32 words), on typed arrays: the sFlow decoder's per-stream and per-source
 * sequence state. Lookups allocate nothing; the arrays double as keys appear, up to `maxEntries`
 * (garbage with random agent addresses cannot grow it past that). Entries are never removed.
 * A lookup touches two cache lines at most: a slot holds its hash tag beside its entry number,
 * and an entry holds its key beside its state.
 *
 * Usage: fill `key`, call `find()`; the entry's state words are `data[at .. at + stateWords)`
 * for the returned `at`, all zero when it was just created (`created` says so).
 */
export class SflowStateTable {
  /** Scratch key the caller fills before `find()`. */
  readonly key: Uint32Array;
  /** Entries (key words, then state words); replaced when the table grows. */
  data: Uint32Array;
  /** True when the last `find()` created its entry. */
  created = false;
  readonly #keyWords: number;
  readonly #stride: number;
  readonly #maxEntries: number;
  /** Per slot: hash tag (0: empty), entry number. */
  #slots: Uint32Array;
  #size = 0;
  #capacity: number;

  constructor(keyWords: number, stateWords: number, maxEntries: number, initialCapacity = 16) {
    this.#keyWords = keyWords;
    this.#stride = keyWords + stateWords;
    this.#maxEntries = maxEntries;
    this.#capacity = Math.max(1, Math.min(initialCapacity, maxEntries));
    this.key = new Uint32Array(keyWords);
    this.data = new Uint32Array(this.#capacity * this.#stride);
    this.#slots = new Uint32Array(2 * slotCount(this.#capacity));
  }

  /** Entries held. */
  get size(): number {
    return this.#size;
  }

  /**
   * Offset in `data` of the state of the entry for `key`, creating it if `create`; -1 when it is
   * new and `create` is false or the table is full.
   */
  find(create = true): number {
    const kw = this.#keyWords;
    const key = this.key;
    const tag = hashWords(key, 0, kw);
    const slots = this.#slots;
    const data = this.data;
    const mask = (slots.length >>> 1) - 1;
    for (let s = tag & mask; ; s = (s + 1) & mask) {
      const t = slots[2 * s];
      if (t === 0) break;
      if (t !== tag) continue;
      const at = slots[2 * s + 1] * this.#stride;
      let w = 0;
      while (w < kw && data[at + w] === key[w]) w++;
      if (w === kw) {
        this.created = false;
        return at + kw;
      }
    }
    this.created = false;
    if (!create || this.#size >= this.#maxEntries) return -1;
    if (this.#size === this.#capacity) this.#grow();
    const entry = this.#size++;
    const at = entry * this.#stride;
    this.data.set(key, at);
    this.#insert(tag, entry);
    this.created = true;
    return at + kw;
  }

  #insert(tag: number, entry: number): void {
    const slots = this.#slots;
    const mask = (slots.length >>> 1) - 1;
    let s = tag & mask;
    while (slots[2 * s] !== 0) s = (s + 1) & mask;
    slots[2 * s] = tag;
    slots[2 * s + 1] = entry;
  }

  #grow(): void {
    const capacity = Math.min(this.#capacity * 2, this.#maxEntries);
    const data = new Uint32Array(capacity * this.#stride);
    data.set(this.data);
    this.data = data;
    this.#capacity = capacity;
    const slots = 2 * slotCount(capacity);
    if (slots === this.#slots.length) return;
    this.#slots = new Uint32Array(slots);
    for (let e = 0; e < this.#size; e++) this.#insert(hashWords(data, e * this.#stride, this.#keyWords), e);
  }
}
