/** Number of 32-bit words in a full flow key (see flow-key.ts for the layout). */
export const KEY_WORDS = 18;
/**
 * The KeyWord.PROTO bit of a stand-in entry (FlowTable.addStandIn): above the fields (version,
 * protocol, direction: bits 0..23) and the roll-up level (24..25), so no counted key has it.
 */
export const STAND_IN = 0x40000000;

import { grown, HASH_SEED, hashBitShift, hashStep, slotCount } from './key-hash.ts';

const ALL_WORDS: readonly number[] = Array.from({ length: KEY_WORDS }, (_, i) => i);

/**
 * An open-addressing hash table from flow keys to byte and packet counters, held in typed arrays:
 * no per-entry objects, no strings. Callers write a full KEY_WORDS-word key into `scratch` and
 * call add(); the table keeps only the words of `words` (the aggregation's, as wide as its
 * dimensions: 2 words for a per-network key, 10 for a source/destination pair), so hashing,
 * comparing and memory scale with what the aggregation keeps.
 *
 * Entries are stored densely in insertion order (entry i: compact key words at i*width, counters
 * at i); each hash slot is one word: the entry number + 1 with high bits of the key's hash above
 * it as a tag (one read per probe, as SeriesStore's slots).
 * A key is gathered straight into the row of the next entry and compared there: a new key (most
 * packets at a high pair count) is then already stored. The arrays start small and double (a
 * rehash, at most log2(maxEntries/initial) times, never once warm) up to `maxEntries` keys: the
 * working set stays in cache. Once full, packets of new keys are added to the overflow counters
 * (`overflowBytes`, `overflowPackets`) so nothing counted is lost. The table is emptied by
 * `clear()` after its contents were handed on (see export/traffic-metrics.ts).
 *
 * Memory at most: maxEntries × (width×4 + 16 + 8) bytes plus 4 per hash slot, 2 slots or more per
 * entry (load factor ≤ ½).
 */
export class FlowTable {
  /** Most distinct keys held before new keys go to overflow. */
  readonly maxEntries: number;
  /** Words kept per key. */
  readonly width: number;
  /** Compact key words of entry i at i*width. Replaced when the table grows: re-read after add(). */
  keys: Uint32Array;
  /** Bytes of entry i. Float64 holds exact integers up to 2^53. */
  bytes: Float64Array;
  /** Packets of entry i. */
  packets: Float64Array;
  /**
   * Hash of entry i's compact key: hashWords(keys, i*width, width) (key-hash.ts), so that whoever
   * takes the entries (SeriesStore) need not hash them again. Replaced when the table grows.
   */
  hashes: Uint32Array;
  /** Distinct keys held: entries 0 .. size-1. */
  size = 0;
  /** Bytes of packets whose key found the table full. */
  overflowBytes = 0;
  /** Packets whose key found the table full. */
  overflowPackets = 0;
  /**
   * Its entries were handed to the aggregations derived from it (Accountant.derive) since the
   * last clear(): until then, what is added here must also be counted there directly.
   */
  derived = false;
  /**
   * What is added here is counted in the aggregations derived from it directly, for as long as
   * this is set (the Accountant's choice per flush interval; clear() keeps it).
   */
  direct = false;
  /**
   * Distinct keys (once per flush interval, up to hash collisions) that the gate stopped since
   * the last clear() (see setGate).
   */
  gatedKeys = 0;
  /** Stand-in entries (addStandIn) made since the last clear(). */
  standIns = 0;
  /** The last add5() found its key stopped by the gate (set only then: the caller clears it). */
  stopped = false;
  /** The full key to add next: callers write it here, then call add(). */
  readonly scratch = new Uint32Array(KEY_WORDS);
  readonly #words: Int32Array;
  /** The compact key being added when no free row is allocated (the table must grow or is full). */
  readonly #probe: Uint32Array;
  #capacity: number;
  #mask: number;
  /**
   * Per slot: entry number + 1 in the low #entryBits bits, the high bits of the key's hash above
   * them as a tag (one word per probe); 0 marks an empty slot.
   */
  #slots: Int32Array;
  /** Low bits of a slot holding entry number + 1 (enough for maxEntries). */
  readonly #entryMask: number;
  /** The hash bits a slot keeps as its tag (the bits above the entry number). */
  readonly #tagMask: number;
  /** Slot of entry i (to clear the slots in O(size)). */
  #slotOf: Int32Array;
  /** The gate (setGate): bit `hash >>> #gateShift` set for the keys add5() may enter; undefined: no gate. */
  #gate: Uint8Array | undefined;
  #gateShift = 32;
  /** The gate's bits of the keys it stopped since the last clear() (gatedKeys). */
  #gatedSeen: Uint8Array | undefined;

  /**
   * @param maxEntries most distinct keys
   * @param words the full-key word indices kept (default: all)
   * @param initialCapacity entries allocated at first (default 4096, at most maxEntries)
   */
  constructor(maxEntries: number, words: readonly number[] = ALL_WORDS, initialCapacity = 4096) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`flow table: maxEntries must be a positive integer, got ${maxEntries}`);
    if (words.length === 0 || words.some((w) => !Number.isInteger(w) || w < 0 || w >= KEY_WORDS)) throw new RangeError(`flow table: bad key words ${JSON.stringify(words)}`);
    this.maxEntries = maxEntries;
    this.width = words.length;
    this.#words = Int32Array.from(words);
    this.#probe = new Uint32Array(this.width);
    const entryBits = 32 - Math.clz32(maxEntries);
    this.#entryMask = entryBits >= 32 ? -1 : (1 << entryBits) - 1;
    this.#tagMask = ~this.#entryMask;
    this.#capacity = Math.max(1, Math.min(maxEntries, initialCapacity));
    this.keys = new Uint32Array(this.#capacity * this.width);
    this.bytes = new Float64Array(this.#capacity);
    this.packets = new Float64Array(this.#capacity);
    this.hashes = new Uint32Array(this.#capacity);
    this.#slotOf = new Int32Array(this.#capacity);
    const slots = slotCount(this.#capacity);
    this.#slots = new Int32Array(slots);
    this.#mask = slots - 1;
  }

  /** Hash slot count now (a power of two ≥ 2 × capacity). */
  get slots(): number {
    return this.#mask + 1;
  }

  /** Entries allocated now. */
  get capacity(): number {
    return this.#capacity;
  }

  /**
   * Adds `byteCount` bytes and `packetCount` packets to the key in `scratch`. False when the key
   * found the table full (counted in the overflow counters instead).
   */
  add(byteCount: number, packetCount: number): boolean {
    const k = this.scratch;
    const words = this.#words;
    const w = this.width;
    const n = this.size;
    // The key is gathered into the next entry's row (when allocated), hashed in the same pass
    // (key-hash.ts: the same hash as hashWords over the compact key).
    const free = n < this.#capacity;
    const row = free ? this.keys : this.#probe;
    const at = free ? n * w : 0;
    let h = HASH_SEED;
    for (let i = 0; i < w; i++) {
      const v = k[words[i]];
      row[at + i] = v;
      h = hashStep(h, v);
    }
    const tag = h | 1;
    const slots = this.#slots;
    const mask = this.#mask;
    const tagMask = this.#tagMask;
    const tagBits = tag & tagMask;
    let slot = (tag ^ (tag >>> 16)) & mask;
    for (;;) {
      const v = slots[slot];
      if (v === 0) break;
      if ((v & tagMask) === tagBits) {
        const e = (v & this.#entryMask) - 1;
        const keys = this.keys;
        const base = e * w;
        let i = 0;
        while (i < w && keys[base + i] === row[at + i]) i++;
        if (i === w) {
          this.bytes[e] += byteCount;
          this.packets[e] += packetCount;
          return true;
        }
      }
      slot = (slot + 1) & mask;
    }
    const e = this.#newEntry(slot, tag);
    if (e < 0) return this.#overflow(byteCount, packetCount);
    if (!free) {
      const keys = this.keys;
      for (let i = 0; i < w; i++) keys[e * w + i] = row[i];
    }
    this.bytes[e] = byteCount;
    this.packets[e] = packetCount;
    return true;
  }

  /**
   * add() for a table two words wide, the compact key given as its words (int32 or uint32 form):
   * no full key, no gather, the probe's hashing and comparing unrolled for this width (add5 is
   * the same for five words). Same entries, order and hashes as add() with those words.
   */
  add2(w0: number, w1: number, byteCount: number, packetCount: number): boolean {
    const tag = hashStep(hashStep(HASH_SEED, w0), w1) | 1;
    const tagMask = this.#tagMask;
    const tagBits = tag & tagMask;
    let slot = (tag ^ (tag >>> 16)) & this.#mask;
    for (let v = this.#slots[slot]; v !== 0; v = this.#slots[slot]) {
      if ((v & tagMask) === tagBits) {
        const e = (v & this.#entryMask) - 1;
        const k = this.keys;
        if (k[2 * e] === w0 >>> 0 && k[2 * e + 1] === w1 >>> 0) {
          this.bytes[e] += byteCount;
          this.packets[e] += packetCount;
          return true;
        }
      }
      slot = (slot + 1) & this.#mask;
    }
    const e = this.#newEntry(slot, tag);
    if (e < 0) return this.#overflow(byteCount, packetCount);
    const k = this.keys;
    k[2 * e] = w0; k[2 * e + 1] = w1;
    this.bytes[e] = byteCount;
    this.packets[e] = packetCount;
    return true;
  }

  /**
   * Sets a gate on add5(), or removes it (undefined): add5() does not enter a key whose hash's top
   * bits (log2 of `bits.length * 8`) are not set in `bits`; it returns false and sets `stopped`,
   * and the caller adds the packet to a stand-in key instead (addStandIn). For a per-host table
   * whose series store is closed (SeriesStore.closed: full, nothing admitted or expiring again):
   * `bits` holds the store's keys (SeriesStore.keyBits), so a stopped key is one the store would
   * have folded into its overflow series anyway; a key that only shares a bit with one of them is
   * entered as before.
   */
  setGate(bits: Uint8Array | undefined): void {
    if (bits !== undefined && (bits.length < 1 || (bits.length & (bits.length - 1)) !== 0)) throw new RangeError(`flow table: a gate needs a power-of-two byte count, got ${bits.length}`);
    this.#gate = bits;
    this.#gateShift = bits === undefined ? 32 : hashBitShift(bits.length);
    this.#gatedSeen = bits === undefined ? undefined : new Uint8Array(bits.length);
    this.gatedKeys = 0;
  }

  /** A gate is set (setGate). */
  get gated(): boolean {
    return this.#gate !== undefined;
  }

  /**
   * After add5() stopped a key at the gate: adds the packet to the stand-in key of what the
   * stopped key would have been derived into, `[net, 0, 0, 0, word | STAND_IN]` (`net`: its named
   * network's entry + 1, 0 for none; `word`: its PROTO word), not subject to the gate. The store
   * holds no stand-in (it is closed), so it folds them into its overflow series as it would have
   * folded the stopped keys; the per-network aggregations derived from this table read the network
   * from the stand-in (Derivation), in the order the stopped keys' packets came.
   */
  addStandIn(net: number, word: number, byteCount: number, packetCount: number): boolean {
    const size = this.size;
    const counted = this.add5(net, 0, 0, 0, (word | STAND_IN) | 0, byteCount, packetCount);
    if (this.size > size) this.standIns++;
    return counted;
  }

  /** add2() for a table five words wide (the one a gate applies to). */
  add5(w0: number, w1: number, w2: number, w3: number, w4: number, byteCount: number, packetCount: number): boolean {
    const tag = hashStep(hashStep(hashStep(hashStep(hashStep(HASH_SEED, w0), w1), w2), w3), w4) | 1;
    // The gate: a stand-in (STAND_IN in the PROTO word) always passes.
    if (this.#gate !== undefined && (w4 & STAND_IN) === 0) {
      const bit = tag >>> this.#gateShift;
      if ((this.#gate[bit >>> 3] & (1 << (bit & 7))) === 0) return this.#stop(bit);
    }
    const tagMask = this.#tagMask;
    const tagBits = tag & tagMask;
    let slot = (tag ^ (tag >>> 16)) & this.#mask;
    for (let v = this.#slots[slot]; v !== 0; v = this.#slots[slot]) {
      if ((v & tagMask) === tagBits) {
        const e = (v & this.#entryMask) - 1;
        const k = this.keys;
        const at = 5 * e;
        if (k[at] === w0 >>> 0 && k[at + 1] === w1 >>> 0 && k[at + 2] === w2 >>> 0 && k[at + 3] === w3 >>> 0 && k[at + 4] === w4 >>> 0) {
          this.bytes[e] += byteCount;
          this.packets[e] += packetCount;
          return true;
        }
      }
      slot = (slot + 1) & this.#mask;
    }
    const e = this.#newEntry(slot, tag);
    if (e < 0) return this.#overflow(byteCount, packetCount);
    const k = this.keys;
    const at = 5 * e;
    k[at] = w0; k[at + 1] = w1; k[at + 2] = w2; k[at + 3] = w3; k[at + 4] = w4;
    this.bytes[e] = byteCount;
    this.packets[e] = packetCount;
    return true;
  }

  /**
   * A new key (hash `tag`) found empty slot `slot`: its entry number (its hash slot, slot index and
   * hash recorded, the arrays grown first when full; the caller writes its key words if not
   * already there, and its counters), or -1 when the table holds maxEntries keys. Integers only
   * in and out: a double passed to a call that is not inlined would be boxed, once per packet.
   */
  #newEntry(slot: number, tag: number): number {
    const n = this.size;
    if (n >= this.#capacity) {
      if (n >= this.maxEntries) return -1;
      this.#grow();
      slot = this.#freeSlot(tag);
    }
    this.#slots[slot] = (tag & this.#tagMask) | (n + 1);
    this.#slotOf[n] = slot;
    this.hashes[n] = tag;
    this.size = n + 1;
    return n;
  }

  /** The gate stopped a key (its gate bit `bit`): counted in gatedKeys the first time this interval; `stopped` set. */
  #stop(bit: number): false {
    const seen = this.#gatedSeen!;
    const m = 1 << (bit & 7);
    if ((seen[bit >>> 3] & m) === 0) {
      seen[bit >>> 3] |= m;
      this.gatedKeys++;
    }
    this.stopped = true;
    return false;
  }

  /** A new key found the table full: counted in the overflow counters. */
  #overflow(byteCount: number, packetCount: number): false {
    this.overflowBytes += byteCount;
    this.overflowPackets += packetCount;
    return false;
  }

  /** Copies entry e's key into `out` at full width (words the table does not keep are 0). */
  expand(e: number, out: Uint32Array): void {
    out.fill(0);
    const words = this.#words;
    const at = e * this.width;
    for (let i = 0; i < words.length; i++) out[words[i]] = this.keys[at + i];
  }

  /**
   * Empties the table: the entries' slots one by one when few (cost proportional to the entries
   * held), else the whole slot array at once (a sequential fill beats scattered writes).
   */
  clear(): void {
    if (this.size * 16 > this.#mask + 1) this.#slots.fill(0);
    else for (let e = 0; e < this.size; e++) this.#slots[this.#slotOf[e]] = 0;
    this.size = 0;
    this.overflowBytes = 0;
    this.overflowPackets = 0;
    this.derived = false;
    if (this.gatedKeys > 0) {
      this.#gatedSeen!.fill(0);
      this.gatedKeys = 0;
    }
    this.standIns = 0;
  }

  /** Bytes held by the table's arrays now. */
  memoryBytes(): number {
    return this.#slots.length * 4 + this.#capacity * (this.width * 4 + 16 + 8) + (this.#gate === undefined ? 0 : 2 * this.#gate.length);
  }

  /** Bytes the table's arrays take once grown to maxEntries. */
  maxMemoryBytes(): number {
    return slotCount(this.maxEntries) * 4 + this.maxEntries * (this.width * 4 + 16 + 8);
  }

  #freeSlot(tag: number): number {
    let slot = (tag ^ (tag >>> 16)) & this.#mask;
    while (this.#slots[slot] !== 0) slot = (slot + 1) & this.#mask;
    return slot;
  }

  /** Doubles the entries (up to maxEntries) and rehashes the keys held. */
  #grow(): void {
    const cap = Math.min(this.maxEntries, this.#capacity * 2);
    const n = this.size;
    const w = this.width;
    this.keys = grown(this.keys, cap * w, n * w);
    this.bytes = grown(this.bytes, cap, n);
    this.packets = grown(this.packets, cap, n);
    this.hashes = grown(this.hashes, cap, n);
    this.#slotOf = new Int32Array(cap);
    this.#capacity = cap;
    const slots = slotCount(cap);
    this.#slots = new Int32Array(slots);
    this.#mask = slots - 1;
    const hashes = this.hashes;
    for (let e = 0; e < n; e++) {
      const tag = hashes[e] | 0;
      const slot = this.#freeSlot(tag);
      this.#slots[slot] = (tag & this.#tagMask) | (e + 1);
      this.#slotOf[e] = slot;
    }
  }
}
