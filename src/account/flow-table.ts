/** Number of 32-bit words in a flow key (see flow-key.ts for the layout). */
export const KEY_WORDS = 13;

/**
 * An open-addressing hash table from fixed-size flow keys to byte and packet counters, held in
 * typed arrays: no per-entry objects, no strings. Adding a packet allocates nothing.
 *
 * Entries are stored densely in insertion order (entry i: key words at i*KEY_WORDS, counters at
 * i); the hash slots only hold a tag and the entry number. At most `maxEntries` distinct keys are
 * held; once full, packets of new keys are added to the overflow counters (`overflowBytes`,
 * `overflowPackets`) so nothing counted is lost. The table is emptied by `clear()` after its
 * contents were handed on (see export/traffic-metrics.ts).
 *
 * Memory, allocated once: KEY_WORDS*4 + 16 + 4 bytes per entry, plus 8 bytes per hash slot with
 * 2 slots or more per entry (load factor ≤ 0.5): 88 bytes per entry at most.
 */
export class FlowTable {
  /** Most distinct keys held before new keys go to overflow. */
  readonly maxEntries: number;
  /** Hash slot count, a power of two ≥ 2 × maxEntries. */
  readonly slots: number;
  /** Key words of entry i at i*KEY_WORDS. */
  readonly keys: Uint32Array;
  /** Bytes of entry i. Float64 holds exact integers up to 2^53. */
  readonly bytes: Float64Array;
  /** Packets of entry i. */
  readonly packets: Float64Array;
  /** Distinct keys held: entries 0 .. size-1. */
  size = 0;
  /** Bytes of packets whose key found the table full. */
  overflowBytes = 0;
  /** Packets whose key found the table full. */
  overflowPackets = 0;
  /** The key to add next: callers write it here, then call add(). */
  readonly scratch = new Uint32Array(KEY_WORDS);
  readonly #mask: number;
  /** hash | 1 per slot; 0 marks an empty slot. */
  readonly #tags: Uint32Array;
  /** Entry number per slot (valid where the tag is not 0). */
  readonly #entryOf: Int32Array;
  /** Slot of entry i (to clear the slots in O(size)). */
  readonly #slotOf: Int32Array;

  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`flow table: maxEntries must be a positive integer, got ${maxEntries}`);
    this.maxEntries = maxEntries;
    let slots = 2;
    while (slots < maxEntries * 2) slots *= 2;
    this.slots = slots;
    this.#mask = slots - 1;
    this.#tags = new Uint32Array(slots);
    this.#entryOf = new Int32Array(slots);
    this.keys = new Uint32Array(maxEntries * KEY_WORDS);
    this.bytes = new Float64Array(maxEntries);
    this.packets = new Float64Array(maxEntries);
    this.#slotOf = new Int32Array(maxEntries);
  }

  /** Adds `byteCount` bytes and `packetCount` packets to the key in `scratch`. */
  add(byteCount: number, packetCount: number): void {
    const k = this.scratch;
    let h = 0x811c9dc5;
    for (let i = 0; i < KEY_WORDS; i++) {
      h = Math.imul(h ^ k[i], 0x01000193);
      h ^= h >>> 15;
    }
    const tag = (h | 1) >>> 0;
    const keys = this.keys;
    const tags = this.#tags;
    let slot = (h ^ (h >>> 16)) & this.#mask;
    for (;;) {
      const t = tags[slot];
      if (t === 0) break;
      if (t === tag) {
        const e = this.#entryOf[slot];
        const base = e * KEY_WORDS;
        let same = true;
        for (let i = 0; i < KEY_WORDS; i++) {
          if (keys[base + i] !== k[i]) { same = false; break; }
        }
        if (same) {
          this.bytes[e] += byteCount;
          this.packets[e] += packetCount;
          return;
        }
      }
      slot = (slot + 1) & this.#mask;
    }
    const e = this.size;
    if (e >= this.maxEntries) {
      this.overflowBytes += byteCount;
      this.overflowPackets += packetCount;
      return;
    }
    tags[slot] = tag;
    this.#entryOf[slot] = e;
    this.#slotOf[e] = slot;
    keys.set(k, e * KEY_WORDS);
    this.bytes[e] = byteCount;
    this.packets[e] = packetCount;
    this.size = e + 1;
  }

  /** Empties the table (cost proportional to the entries held, not to the capacity). */
  clear(): void {
    for (let e = 0; e < this.size; e++) this.#tags[this.#slotOf[e]] = 0;
    this.size = 0;
    this.overflowBytes = 0;
    this.overflowPackets = 0;
  }

  /** Bytes held by the table's arrays (allocated once, whatever the traffic). */
  memoryBytes(): number {
    return this.slots * 8 + this.maxEntries * (KEY_WORDS * 4 + 16 + 4);
  }
}
