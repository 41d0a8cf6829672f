import { hashWords, slotCount } from '../account/key-hash.ts';

/**
 * A bounded hash table from fixed-width keys (`keyWords` uint32 words) to fixed-width state
 * (`stateWords` uint32 words), on typed arrays: the sFlow decoder's per-stream and per-source
 * sequence state. Lookups allocate nothing; the arrays double as keys appear, up to `maxEntries`
 * (garbage with random agent addresses cannot grow it past that). Entries are never removed.
 *
 * Usage: fill `key`, call `find()`; the entry's state is `state[i * stateWords ..]`, zero when
 * it was just created (`created` says so).
 */
export class SflowStateTable {
  /** Scratch key the caller fills before `find()`. */
  readonly key: Uint32Array;
  /** State words of every entry (entry i at i × stateWords); replaced when the table grows. */
  state: Uint32Array;
  /** True when the last `find()` created its entry. */
  created = false;
  readonly #keyWords: number;
  readonly #stateWords: number;
  readonly #maxEntries: number;
  #keys: Uint32Array;
  #slots: Int32Array;
  #tags: Uint32Array;
  #size = 0;
  #capacity: number;

  constructor(keyWords: number, stateWords: number, maxEntries: number, initialCapacity = 16) {
    this.#keyWords = keyWords;
    this.#stateWords = stateWords;
    this.#maxEntries = maxEntries;
    this.#capacity = Math.max(1, Math.min(initialCapacity, maxEntries));
    this.key = new Uint32Array(keyWords);
    this.#keys = new Uint32Array(this.#capacity * keyWords);
    this.state = new Uint32Array(this.#capacity * stateWords);
    const slots = slotCount(this.#capacity);
    this.#slots = new Int32Array(slots).fill(-1);
    this.#tags = new Uint32Array(slots);
  }

  /** Entries held. */
  get size(): number {
    return this.#size;
  }

  /** Index of the entry for `key`, creating it (state zeroed); -1 when new and the table is full. */
  find(): number {
    const kw = this.#keyWords;
    const key = this.key;
    const tag = hashWords(key, 0, kw);
    const mask = this.#slots.length - 1;
    for (let s = tag & mask; ; s = (s + 1) & mask) {
      const entry = this.#slots[s];
      if (entry < 0) break;
      if (this.#tags[s] !== tag) continue;
      let same = true;
      for (let w = 0, at = entry * kw; w < kw; w++) if (this.#keys[at + w] !== key[w]) { same = false; break; }
      if (same) {
        this.created = false;
        return entry;
      }
    }
    if (this.#size >= this.#maxEntries) return -1;
    if (this.#size === this.#capacity) this.#grow();
    const entry = this.#size++;
    this.#keys.set(key, entry * kw);
    this.#insert(tag, entry);
    this.created = true;
    return entry;
  }

  #insert(tag: number, entry: number): void {
    const mask = this.#slots.length - 1;
    let s = tag & mask;
    while (this.#slots[s] >= 0) s = (s + 1) & mask;
    this.#slots[s] = entry;
    this.#tags[s] = tag;
  }

  #grow(): void {
    const capacity = Math.min(this.#capacity * 2, this.#maxEntries);
    const keys = new Uint32Array(capacity * this.#keyWords);
    keys.set(this.#keys);
    const state = new Uint32Array(capacity * this.#stateWords);
    state.set(this.state);
    this.#keys = keys;
    this.state = state;
    this.#capacity = capacity;
    const slots = slotCount(capacity);
    if (slots === this.#slots.length) return;
    this.#slots = new Int32Array(slots).fill(-1);
    this.#tags = new Uint32Array(slots);
    for (let e = 0; e < this.#size; e++) this.#insert(hashWords(this.#keys, e * this.#keyWords, this.#keyWords), e);
  }
}
