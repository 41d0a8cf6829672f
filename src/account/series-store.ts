import { KeyWord } from './flow-key.ts';
import { grown, hashBitShift, hashStep, hashWords, slotCount } from './key-hash.ts';

/**
 * What happens to a new key when its metric holds as many series as its cardinality limit allows.
 * `overflow`: it joins the one `otel.metric.overflow=true` series (totals kept, per-key detail
 * lost). `rollup`: side B's address is rolled up to a prefix first (IPv4 /24 then /16 then /0,
 * IPv6 /48 then /32 then /0) while side A (the local host, or the source) stays exact, so sums per
 * side-A address stay exact as long as the side-A addresses fit; only then the overflow series.
 */
export type OverflowPolicy = 'overflow' | 'rollup';

/** Roll-up levels: 0 exact, 1..3 side B rolled to ROLLUP_LENGTHS_V4/V6[level]. */
export const ROLLUP_LEVELS = 4;
export const ROLLUP_LENGTHS_V4 = [32, 24, 16, 0] as const;
export const ROLLUP_LENGTHS_V6 = [128, 48, 32, 0] as const;
/** Where a key's roll-up level lives: bits 24..25 of KeyWord.PROTO (direction uses 16..23). */
const LEVEL_SHIFT = 24;

/** The roll-up level of a (full-width) key: 0 exact, 1..3 rolled. */
export function keyRollupLevel(keys: Uint32Array, base: number): number {
  return (keys[base + KeyWord.PROTO] >>> LEVEL_SHIFT) & 3;
}

/**
 * Share of the usable series (limit − 1: one is the overflow series) that new keys of each
 * roll-up level may fill: exact keys up to three quarters, /24 (/48) up to thirteen sixteenths,
 * /16 (/32) up to seven eighths, /0 to the limit. The last eighth is kept for side-A catch-alls:
 * with the default limit of 10,000, per-host sums stay exact for up to 1,249 hosts whatever the
 * number of pairs.
 */
const ROLLUP_MARKS = [0.75, 0.8125, 0.875, 1] as const;

/**
 * Entries a store allocates up front at most (its limit − 1 if smaller). A page of the entry
 * arrays becomes resident only when an entry on it is first written, so a store sized for its
 * limit costs memory only for the series it holds, and never copies its entries to grow (at 1M
 * series the growth copies and rehashes were a quarter of the accounting time; each page first
 * touched costs ~10 µs on the 2-core bench machine).
 */
export const PRESIZE_ENTRIES = 1 << 21;
/** Hash slots a store starts with (grown by doubling, load ≤ ½). */
const INITIAL_SLOTS = 2048;
/** Factor by which the hash slots grow (load ≤ ½ before, ≥ ⅛ after). */
const SLOT_GROWTH = 4;
/** Keys whose first hash slots addAll() reads ahead at a time. */
const BATCH = 16;

/** How a SeriesStore keys and bounds its series; fixed for its lifetime. */
export interface SeriesStoreOptions {
  /** Word indices (of the full flow key, flow-key.ts) this aggregation keeps, in order. */
  words: readonly number[];
  /** Most series, the overflow series included (the view's aggregationCardinalityLimit, ≥ 2). */
  limit: number;
  /** Milliseconds without traffic before a series is dropped (0: never). */
  idleMs: number;
  policy: OverflowPolicy;
  /** Side B is an address that can be rolled up (rollup needs it; else new keys overflow). */
  rollable: boolean;
  /** Local/remote orientation: keys with direction 4 (transit) have no sides and never roll. */
  localSide: boolean;
  /**
   * Entries allocated at first (default: limit − 1, at most PRESIZE_ENTRIES; grows by doubling up
   * to limit − 1).
   */
  initialCapacity?: number;
}

/** Counts a store keeps about itself (self-telemetry). */
export interface SeriesStoreCounts {
  /** Keys (one per flush in which they arrived) folded into the overflow series. */
  overflowed: number;
  /** Keys (one per flush) counted in a rolled-up series, per level 1..3 (index 0 unused). */
  rolled: Float64Array;
  /** Series dropped for being idle. */
  expired: number;
}

/**
 * Something that keeps its own per-entry state beside a SeriesStore (the OTLP delta baselines,
 * src/export/delta-baseline.ts) and must follow expiry's compaction. Called by expire() only.
 */
export interface SeriesFollower {
  /** Whether idle entry e must stay for now (its last change is not exported yet). */
  holds(e: number): boolean;
  /** Entry `from` is now entry `to` (to < from). */
  moved(from: number, to: number): void;
  /**
   * Expiry is done: entries `size` .. `before` − 1 are gone (new entries will be appended there);
   * entries from `before` on were not in use. (The entry arrays are allocated for up to
   * PRESIZE_ENTRIES entries at once: clearing only what was in use keeps the rest untouched.)
   */
  compacted(size: number, before: number): void;
}

/**
 * The cumulative traffic series of one aggregation: bytes and packets per key since the key's
 * series started, its start time and the time of its last change, in typed arrays (no per-series
 * objects or strings). This is the one place where the cardinality limit is enforced: a new key
 * is admitted, rolled up or folded into the overflow series here, nowhere else.
 *
 * Entries are dense (0 .. size−1), keys stored with only the aggregation's words. Entry numbers are
 * stable while a reader holds the store (beginRead/endRead): expiry, which compacts the entries,
 * waits until no reader does; entries added meanwhile go past the reader's end.
 *
 * Memory: per held series width×4 bytes of key + 4×8 of counters and times + 8 to 32 of hash
 * slots at load ½ to ⅛ (≈ 80-104 bytes for a source/destination pair). The entry
 * arrays are allocated for min(limit − 1, PRESIZE_ENTRIES) entries at once but only the pages of
 * entries written become resident; the hash slots grow by doubling with the series held.
 */
export class SeriesStore {
  readonly width: number;
  readonly limit: number;
  readonly idleMs: number;
  readonly policy: OverflowPolicy;
  /** Key words of entry e at e*width (compact). Replaced when the store grows: re-read after an await. */
  keys: Uint32Array;
  bytes: Float64Array;
  packets: Float64Array;
  /** Start time (ms) of entry e's series. */
  start: Float64Array;
  /** Time (ms) of the last flush that changed entry e (kept only for expiry: with idleMs 0, the time it was made). */
  last: Float64Array;
  size = 0;
  /** The overflow series: present once anything overflowed. */
  overflow = { present: false, bytes: 0, packets: 0, start: 0, last: 0 };
  readonly counts: SeriesStoreCounts = { overflowed: 0, rolled: new Float64Array(ROLLUP_LEVELS), expired: 0 };
  /** Told how expiry moves entries, and may keep idle ones (at most one follower). */
  follower: SeriesFollower | undefined;
  readonly #words: Int32Array;
  readonly #marks: Int32Array;
  readonly #rollable: boolean;
  readonly #localSide: boolean;
  /** Where side B's address and the PROTO word sit in a compact key (rollable stores). */
  readonly #bAt: number;
  readonly #protoAt: number;
  /** Compact positions of the words other than side B's address and PROTO (for #restHash). */
  readonly #restAt: Int32Array;
  /**
   * One bit per hash of a key's words other than side B and the level: set once a rolled series
   * exists for such a key. A clear bit proves there is none, so a key that finds no room skips
   * three look-ups (false positives only cost the look-ups).
   */
  #restSeen: Int32Array;
  readonly #restMask: number;
  /**
   * Slot s: entry + 1 in the low #entryBits bits, the hash's high bits above them as a tag
   * (0: empty). Four bytes per slot: half the memory a probe misses in, and half the pages
   * touched, of a tag and an entry number side by side.
   */
  #slots: Int32Array;
  #mask: number;
  /** Mask of the entry bits of a slot (entry + 1 ≤ capacity fits), and of its tag bits. */
  #entryMask = 0;
  #tagMask = 0;
  #capacity: number;
  #readers = 0;
  /** Compact key being looked up / inserted. */
  readonly #probe: Uint32Array;
  /** Hashes of addAll()'s batch, and what its reads ahead found (kept so they are not optimised away). */
  readonly #batch = new Uint32Array(BATCH);
  #touched = 0;

  constructor(o: SeriesStoreOptions) {
    if (!Number.isInteger(o.limit) || o.limit < 2) throw new RangeError(`series store: limit must be an integer ≥ 2, got ${o.limit}`);
    this.width = o.words.length;
    this.limit = o.limit;
    this.idleMs = o.idleMs;
    this.policy = o.policy;
    this.#words = Int32Array.from(o.words);
    this.#probe = new Uint32Array(this.width);
    this.#rollable = o.policy === 'rollup' && o.rollable;
    this.#localSide = o.localSide;
    this.#bAt = o.words.indexOf(KeyWord.B);
    this.#protoAt = o.words.indexOf(KeyWord.PROTO);
    const rest = o.words.flatMap((_, i) => (i === this.#protoAt || (i >= this.#bAt && i < this.#bAt + 4) ? [] : [i]));
    this.#restAt = Int32Array.from(this.#rollable ? rest : []);
    if (this.#rollable && (this.#bAt < 0 || this.#protoAt < 0)) throw new RangeError('series store: rollup needs side B\'s address and the PROTO word in the key');
    const bits = Math.max(1 << 12, Math.min(1 << 22, slotCount(o.limit) * 8));
    this.#restSeen = new Int32Array(this.#rollable ? bits >>> 5 : 0);
    this.#restMask = bits - 1;
    const usable = o.limit - 1;
    this.#marks = Int32Array.from(this.#rollable ? ROLLUP_MARKS.map((f) => Math.max(1, Math.floor(usable * f))) : [usable, usable, usable, usable]);
    this.#marks[3] = usable;
    this.#capacity = Math.max(1, Math.min(usable, o.initialCapacity ?? PRESIZE_ENTRIES));
    this.keys = new Uint32Array(this.#capacity * this.width);
    this.bytes = new Float64Array(this.#capacity);
    this.packets = new Float64Array(this.#capacity);
    this.start = new Float64Array(this.#capacity);
    this.last = new Float64Array(this.#capacity);
    this.#setSlotBits();
    const slots = Math.min(INITIAL_SLOTS, slotCount(this.#capacity));
    this.#slots = new Int32Array(slots);
    this.#mask = slots - 1;
  }

  /**
   * Which keys it holds will never change again: it is full (no new key admitted), rolls nothing
   * up and its series never expire (idleMs 0). Every key it does not hold now goes to the
   * overflow series for as long as it runs (so a flow table may stop such keys early:
   * FlowTable.setGate with keyBits()).
   */
  get closed(): boolean {
    return this.idleMs <= 0 && !this.#rollable && this.size >= this.#marks[0];
  }

  /**
   * A bitset of the keys it holds: for each, the bit `hash >>> (32 − log2(bytes × 8))` of its hash
   * (hashWords, as the flow tables hash their compact keys) is set. `bytes`: a power of two.
   */
  keyBits(bytes: number): Uint8Array {
    const bits = new Uint8Array(bytes);
    const shift = hashBitShift(bytes);
    for (let e = 0; e < this.size; e++) {
      const bit = hashWords(this.keys, e * this.width, this.width) >>> shift;
      bits[bit >>> 3] |= 1 << (bit & 7);
    }
    return bits;
  }

  /** Entries currently allocated (grows by doubling up to limit − 1). */
  get capacity(): number {
    return this.#capacity;
  }

  /**
   * Adds a flush's delta for the compact key (the aggregation's words, as its flow table keeps
   * them) at `src[base..base+width)`: to its series
   * if it has one, else (limit permitting) to a new series, else to a rolled-up series (policy
   * rollup), else to the overflow series. `now` is the flush time in ms. Allocates only when the
   * store grows.
   */
  add(src: Uint32Array, base: number, byteCount: number, packetCount: number, now: number): void {
    const probe = this.#probe;
    const w = this.width;
    for (let i = 0; i < w; i++) probe[i] = src[base + i];
    this.#addHashed(probe, hashWords(probe, 0, w), byteCount, packetCount, now);
  }

  /**
   * add() for `count` keys at once: compact keys at `src[e*width ..]` with their deltas in
   * `bytes[e]` and `packets[e]` (a flow table's arrays), and optionally their hashes in
   * `hashes[e]`, which must be `hashWords(src, e*width, width)` (FlowTable.hashes: the table
   * computed them already). The keys' first hash slots are read a batch ahead: those reads do not
   * depend on one another, so their cache and TLB misses overlap instead of being waited for one
   * at a time.
   */
  addAll(src: Uint32Array, count: number, bytes: Float64Array, packets: Float64Array, now: number, hashes?: Uint32Array): void {
    const w = this.width;
    const probe = this.#probe;
    const batch = this.#batch;
    let touched = 0;
    for (let b = 0; b < count; b += BATCH) {
      const n = Math.min(BATCH, count - b);
      const slots = this.#slots;
      const mask = this.#mask;
      for (let j = 0; j < n; j++) {
        const h = hashes === undefined ? hashWords(src, (b + j) * w, w) : hashes[b + j];
        batch[j] = h;
        touched ^= slots[(h ^ (h >>> 16)) & mask];
      }
      // Second read ahead: the entry a key's home slot names when its tag matches (a key seen in
      // an earlier flush): its key words and counters, which the add then reads and writes.
      const tagMask = this.#tagMask;
      const entryMask = this.#entryMask;
      const keys = this.keys;
      for (let j = 0; j < n; j++) {
        const h = batch[j];
        const t = slots[(h ^ (h >>> 16)) & mask];
        if (t === 0 || (t & tagMask) !== (h & tagMask)) continue;
        const e = (t & entryMask) - 1;
        touched ^= keys[e * w] ^ keys[e * w + w - 1] ^ this.bytes[e] ^ this.packets[e] ^ (this.idleMs > 0 ? this.last[e] : 0);
      }
      for (let j = 0; j < n; j++) {
        const base = (b + j) * w;
        for (let i = 0; i < w; i++) probe[i] = src[base + i];
        this.#addHashed(probe, batch[j], bytes[b + j], packets[b + j], now);
      }
    }
    this.#touched = touched;
  }

  #addHashed(probe: Uint32Array, h: number, byteCount: number, packetCount: number, now: number): void {
    let e = this.#find(probe, h);
    if (e < 0 && this.size < this.#marks[0]) e = this.#insert(probe, h, now);
    if (e < 0 && this.#rollable && !(this.#localSide && ((probe[this.#protoAt] >>> 16) & 0xff) === 4)) e = this.#rollUp(probe, now);
    if (e < 0) {
      this.addOverflow(byteCount, packetCount, now);
      this.counts.overflowed++;
      return;
    }
    this.bytes[e] += byteCount;
    this.packets[e] += packetCount;
    // Read only by expire(): a store whose series never expire (per host, per site) spares the
    // write, a cache line per key added.
    if (this.idleMs > 0) this.last[e] = now;
  }

  /**
   * The rolled-up series for the exact key in `probe` (changed in place), created if its level
   * still has room; -1 if none. Keys whose other words (all but side B and the level) have no
   * rolled series yet skip the look-ups when no level has room (the address-scan case).
   */
  #rollUp(probe: Uint32Array, now: number): number {
    const restFull = this.#restHash(probe, 0);
    const rest = restFull & this.#restMask;
    const seen = (this.#restSeen[rest >>> 5] & (1 << (rest & 31))) !== 0;
    if (!seen && this.size >= this.#marks[ROLLUP_LEVELS - 1]) return -1;
    const v6 = (probe[this.#protoAt] & 0xff) === 6;
    for (let level = 1; level < ROLLUP_LEVELS; level++) {
      const len = v6 ? ROLLUP_LENGTHS_V6[level] : ROLLUP_LENGTHS_V4[level];
      for (let i = 0; i < 4; i++) {
        const bits = len - 32 * i;
        const at = this.#bAt + i;
        probe[at] = bits >= 32 ? probe[at] : bits <= 0 ? 0 : (probe[at] & (0xffffffff << (32 - bits))) >>> 0;
      }
      probe[this.#protoAt] = ((probe[this.#protoAt] & 0x00ffffff) | (level << LEVEL_SHIFT)) >>> 0;
      const h = rolledHash(restFull, probe, this.#bAt, level);
      let e = seen ? this.#find(probe, h) : -1;
      if (e < 0 && this.size < this.#marks[level]) {
        e = this.#insert(probe, h, now);
        this.#restSeen[rest >>> 5] |= 1 << (rest & 31);
      }
      if (e >= 0) {
        this.counts.rolled[level]++;
        return e;
      }
    }
    return -1;
  }

  /** Adds to the overflow series directly (keys a flow table had no room for). */
  addOverflow(byteCount: number, packetCount: number, now: number): void {
    const o = this.overflow;
    if (!o.present) {
      o.present = true;
      o.start = now;
    }
    o.bytes += byteCount;
    o.packets += packetCount;
    o.last = now;
  }

  /** Series held, the overflow series included. */
  get series(): number {
    return this.size + (this.overflow.present ? 1 : 0);
  }

  /** Marks a reader that iterates entries 0 .. returned size − 1 across awaits; call endRead(). */
  beginRead(): number {
    this.#readers++;
    return this.size;
  }

  endRead(): void {
    if (this.#readers > 0) this.#readers--;
  }

  /**
   * Drops series unchanged for longer than idleMs (none with idleMs 0, none while a reader holds
   * the store: they go at the next call), nor those the follower holds. The overflow series never
   * expires. Returns how many.
   */
  expire(now: number): number {
    if (this.idleMs <= 0 || this.#readers > 0) return 0;
    const cut = now - this.idleMs;
    const w = this.width;
    let to = 0;
    for (let e = 0; e < this.size; e++) {
      if (this.last[e] < cut && !this.follower?.holds(e)) continue;
      if (to !== e) {
        this.follower?.moved(e, to);
        this.keys.copyWithin(to * w, e * w, e * w + w);
        this.bytes[to] = this.bytes[e];
        this.packets[to] = this.packets[e];
        this.start[to] = this.start[e];
        this.last[to] = this.last[e];
      }
      to++;
    }
    const dropped = this.size - to;
    if (dropped === 0) return 0;
    this.size = to;
    this.follower?.compacted(to, to + dropped);
    this.counts.expired += dropped;
    this.#rehash();
    this.#restSeen.fill(0);
    if (this.#rollable) {
      for (let e = 0; e < this.size; e++) {
        if (((this.keys[e * w + this.#protoAt] >>> LEVEL_SHIFT) & 3) === 0) continue;
        const rest = this.#restHash(this.keys, e * w) & this.#restMask;
        this.#restSeen[rest >>> 5] |= 1 << (rest & 31);
      }
    }
    return dropped;
  }

  /** Hash of the compact key at k[at..]'s words but side B's address and the level bits. */
  #restHash(k: Uint32Array, at: number): number {
    const restAt = this.#restAt;
    let h = hashStep(0x2545f491, k[at + this.#protoAt] & 0x00ffffff);
    for (let i = 0; i < restAt.length; i++) h = hashStep(h, k[at + restAt[i]]);
    return h >>> 0;
  }

  /** Copies entry e's key into `out` at full width (words the aggregation does not keep are 0). */
  expand(e: number, out: Uint32Array): void {
    out.fill(0);
    const words = this.#words;
    const at = e * this.width;
    for (let i = 0; i < words.length; i++) out[words[i]] = this.keys[at + i];
  }

  /**
   * Bytes of the store's arrays in use: the entries held and the hash slots (entry arrays are
   * allocated for up to PRESIZE_ENTRIES entries, but only the pages of entries written are resident).
   */
  memoryBytes(): number {
    return this.size * (this.width * 4 + 4 * 8) + this.#slots.length * 4;
  }

  #find(probe: Uint32Array, h: number): number {
    const slots = this.#slots;
    const keys = this.keys;
    const w = this.width;
    const tagMask = this.#tagMask;
    const tag = h & tagMask;
    let s = (h ^ (h >>> 16)) & this.#mask;
    for (;;) {
      const t = slots[s];
      if (t === 0) return -1;
      if ((t & tagMask) === tag) {
        const e = (t & this.#entryMask) - 1;
        const at = e * w;
        let i = 0;
        while (i < w && keys[at + i] === probe[i]) i++;
        if (i === w) return e;
      }
      s = (s + 1) & this.#mask;
    }
  }

  #insert(probe: Uint32Array, h: number, now: number): number {
    if (this.size >= this.#capacity) this.#grow();
    if (2 * (this.size + 1) > this.#mask + 1) this.#growSlots();
    const e = this.size++;
    const keys = this.keys;
    const w = this.width;
    for (let i = 0, at = e * w; i < w; i++) keys[at + i] = probe[i];
    this.bytes[e] = 0;
    this.packets[e] = 0;
    this.start[e] = now;
    this.last[e] = now;
    this.#place(e, h);
    return e;
  }

  #place(e: number, h: number): void {
    const slots = this.#slots;
    let s = (h ^ (h >>> 16)) & this.#mask;
    while (slots[s] !== 0) s = (s + 1) & this.#mask;
    slots[s] = (h & this.#tagMask) | (e + 1);
  }

  /** Splits a slot's 32 bits into entry bits (enough for capacity + 1) and tag bits. */
  #setSlotBits(): void {
    let bits = 1;
    while (bits < 31 && 2 ** bits <= this.#capacity) bits++;
    this.#entryMask = bits >= 31 ? 0x7fffffff : (1 << bits) - 1;
    this.#tagMask = ~this.#entryMask;
  }

  /** More entries (past PRESIZE_ENTRIES): the entry arrays double, up to limit − 1. */
  #grow(): void {
    const cap = Math.min(this.limit - 1, this.#capacity * 2);
    const n = this.size;
    this.keys = grown(this.keys, cap * this.width, n * this.width);
    this.bytes = grown(this.bytes, cap, n);
    this.packets = grown(this.packets, cap, n);
    this.start = grown(this.start, cap, n);
    this.last = grown(this.last, cap, n);
    this.#capacity = cap;
    const entryMask = this.#entryMask;
    this.#setSlotBits();
    if (this.#entryMask !== entryMask) this.#rehash();
  }

  /**
   * Four times the hash slots (as many as the entries allocated need at most), the entries placed
   * again: a store filled with 1M keys rehashes ~340k entries instead of ~2M, and first touches
   * ~11 MB of slot arrays instead of ~16 MB (a page first touched costs ~13 µs on the bench machine).
   */
  #growSlots(): void {
    const slots = Math.max(2 * (this.#mask + 1), Math.min(SLOT_GROWTH * (this.#mask + 1), slotCount(this.#capacity)));
    this.#slots = new Int32Array(slots);
    this.#mask = slots - 1;
    this.#rehash();
  }

  /**
   * Places every entry again, its hash computed from its key as add() and #rollUp compute it (no
   * per-entry hash is kept: 4 bytes less per series, one array less to write and first touch).
   */
  #rehash(): void {
    this.#slots.fill(0);
    const keys = this.keys;
    const w = this.width;
    for (let e = 0, at = 0; e < this.size; e++, at += w) {
      const level = this.#rollable ? (keys[at + this.#protoAt] >>> LEVEL_SHIFT) & 3 : 0;
      this.#place(e, level === 0 ? hashWords(keys, at, w) : rolledHash(this.#restHash(keys, at), keys, at + this.#bAt, level));
    }
  }
}

/**
 * The hash of a rolled-up key (level ≥ 1): its rest hash (#restHash: every word but side B's
 * address and the level), the level and side B's rolled address words. Exact keys hash as
 * hashWords over all their words (as their flow table does); a rolled key is only ever looked up
 * by #rollUp, with this hash, and differs from every exact key in its level bits, so the two
 * hashes never need to agree.
 */
function rolledHash(rest: number, k: Uint32Array, bAt: number, level: number): number {
  let h = hashStep(rest, level);
  for (let i = 0; i < 4; i++) h = hashStep(h, k[bAt + i]);
  return (h | 1) >>> 0;
}
