/** Number of 32-bit words in a flow key (see flow-key.ts for the layout). */
export const KEY_WORDS = 11;

/**
 * An open-addressing hash table from fixed-size flow keys to byte and packet counters, held in
 * typed arrays: no per-entry objects, no strings. Adding a packet allocates nothing.
 *
 * At most `maxEntries` distinct keys are held; once full, packets of new keys are added to the
 * overflow counters (`overflowBytes`, `overflowPackets`) so nothing counted is lost. The table
 * is emptied by `clear()` after its contents were handed on (see export/traffic-flush.ts).
 * Memory: (KEY_WORDS*4 + 4 + 16) bytes per slot, 2 slots per entry (load factor ≤ 0.5).
 */
export class FlowTable {
  /** Most distinct keys held before new keys go to overflow. */
  readonly maxEntries: number;
  /** Slot count, a power of two ≥ 2 × maxEntries. */
  readonly slots: number;
  /** Key words, KEY_WORDS per slot. */
  readonly keys: Uint32Array;
  /** Bytes per slot. Float64 holds exact integers up to 2^53. */
  readonly bytes: Float64Array;
  /** Packets per slot. */
  readonly packets: Float64Array;
  /** Occupied slots in insertion order (entries 0 .. size-1). */
  readonly used: Int32Array;
  /** Distinct keys held. */
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

  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`flow table: maxEntries must be a positive integer, got ${maxEntries}`);
    this.maxEntries = maxEntries;
    let slots = 2;
    while (slots < maxEntries * 2) slots *= 2;
    this.slots = slots;
    this.#mask = slots - 1;
    this.keys = new Uint32Array(slots * KEY_WORDS);
    this.bytes = new Float64Array(slots);
    this.packets = new Float64Array(slots);
    this.#tags = new Uint32Array(slots);
    this.used = new Int32Array(maxEntries);
  }

  /** Adds one packet of `byteCount` bytes (weighted by `packetCount`) to the key in `scratch`. */
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
        const base = slot * KEY_WORDS;
        let same = true;
        for (let i = 0; i < KEY_WORDS; i++) {
          if (keys[base + i] !== k[i]) { same = false; break; }
        }
        if (same) {
          this.bytes[slot] += byteCount;
          this.packets[slot] += packetCount;
          return;
        }
      }
      slot = (slot + 1) & this.#mask;
    }
    if (this.size >= this.maxEntries) {
      this.overflowBytes += byteCount;
      this.overflowPackets += packetCount;
      return;
    }
    tags[slot] = tag;
    keys.set(k, slot * KEY_WORDS);
    this.bytes[slot] = byteCount;
    this.packets[slot] = packetCount;
    this.used[this.size++] = slot;
  }

  /** Empties the table (cost proportional to the entries held, not to the capacity). */
  clear(): void {
    const used = this.used;
    for (let i = 0; i < this.size; i++) {
      const slot = used[i];
      this.#tags[slot] = 0;
      this.bytes[slot] = 0;
      this.packets[slot] = 0;
    }
    this.size = 0;
    this.overflowBytes = 0;
    this.overflowPackets = 0;
  }
}
