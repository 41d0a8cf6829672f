import { NetflowKeyTable } from './netflow-key-table.ts';

/** Per-owner words: entries held, LRU head (oldest) and tail, next and previous owner of the same count. */
const O_COUNT = 0;
const O_HEAD = 1;
const O_TAIL = 2;
const O_NEXT = 3;
const O_PREV = 4;
const OWNER_WORDS = 5;

/**
 * A NetflowKeyTable whose entries belong to exporters (owners) and expire, shared fairly: the
 * NetFlow v9 / IPFIX template cache and sampler table, where every exporter may create entries
 * at will and a hostile one (or many spoofed ones) must not keep the others out.
 *
 * - An entry expires `timeoutMs` after it was last received (0: never); expired entries are
 *   dropped by `sweep()` (the owner's decoder calls it once a minute) or, when the table is full,
 *   before anything is evicted (at most once a second: a flood must not walk the table each time).
 * - Full, a new entry of owner X takes the room of an entry, never of nothing: the least recently
 *   used entry of the exporter holding the most, when that exporter holds more than `protect`
 *   entries and at least two more than X (so shares converge to equal: max-min fairness);
 *   otherwise X's own least recently used entry (an exporter at the top cycles its own); an X
 *   holding nothing is refused (insert returns -1). So an exporter never loses an entry to
 *   another while it holds at most `protect` of them (nor to one holding at most one fewer), and
 *   it can claim an equal share (capacity / exporters holding entries) while someone holds more
 *   than `protect`.
 *
 * O(1) per insert, touch and eviction: a least-recently-used list per owner and the owners
 * bucketed by how many entries they hold (all on typed arrays: nothing allocated per call once
 * the per-owner arrays have grown to the highest exporter id). `onRemove(entry)` is called for
 * every entry dropped (expired, evicted, removed), so the caller can release its value.
 */
export class FairKeyTable {
  readonly capacity: number;
  /** Entries an exporter keeps against others' new ones (see the class doc). */
  readonly protect: number;
  /** After insert(): owner of the entry evicted to make room, -1 if none was. */
  evictedOwner = -1;
  readonly #keys: NetflowKeyTable;
  readonly #timeoutMs: number;
  readonly #onRemove: (entry: number) => void;
  readonly #owner: Int32Array;
  readonly #seenMs: Float64Array;
  readonly #prev: Int32Array;
  readonly #next: Int32Array;
  #owners = new Int32Array(64 * OWNER_WORDS).fill(-1);
  /** First owner holding exactly n entries (-1: none), n = 1 .. capacity. */
  readonly #bucket: Int32Array;
  #maxCount = 0;
  #sweptMs = -Infinity;

  constructor(capacity: number, protect: number, timeoutMs: number, onRemove: (entry: number) => void = () => {}) {
    this.capacity = capacity;
    this.protect = protect;
    this.#timeoutMs = timeoutMs;
    this.#onRemove = onRemove;
    this.#keys = new NetflowKeyTable(capacity);
    this.#owner = new Int32Array(capacity);
    this.#seenMs = new Float64Array(capacity);
    this.#prev = new Int32Array(capacity);
    this.#next = new Int32Array(capacity);
    this.#bucket = new Int32Array(capacity + 1).fill(-1);
    for (let o = 0; o < this.#owners.length; o += OWNER_WORDS) this.#owners[o + O_COUNT] = 0;
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Entries held by `owner`. */
  count(owner: number): number {
    const o = owner * OWNER_WORDS;
    return o < this.#owners.length ? this.#owners[o + O_COUNT] : 0;
  }

  /** Entry index of key (a, b, c), expired or not, or -1. */
  find(a: number, b: number, c: number): number {
    return this.#keys.find(a, b, c);
  }

  /** True when entry `e` was last received more than `timeoutMs` before `nowMs`. */
  expired(e: number, nowMs: number): boolean {
    return this.#timeoutMs > 0 && nowMs - this.#seenMs[e] > this.#timeoutMs;
  }

  /** Word `w` of entry `e`'s key. */
  key(e: number, w: number): number {
    return this.#keys.key(e, w);
  }

  /** Entry `e` was used (`received` false) or received again (true, which restarts its expiry) at `nowMs`. */
  touch(e: number, nowMs: number, received: boolean): void {
    if (received) this.#seenMs[e] = nowMs;
    const o = this.#owner[e] * OWNER_WORDS;
    if (this.#owners[o + O_TAIL] === e) return;
    this.#unlink(e, o);
    this.#append(e, o);
  }

  /**
   * Adds key (a, b, c), which must not be present, for `owner`, received at `nowMs`: its entry
   * index, or -1 when refused (see the class doc). Sets `evictedOwner`.
   */
  insert(owner: number, a: number, b: number, c: number, nowMs: number): number {
    this.evictedOwner = -1;
    if (this.#keys.size >= this.capacity && nowMs - this.#sweptMs >= 1000) {
      this.#sweptMs = nowMs;
      this.sweep(nowMs);
    }
    if (owner * OWNER_WORDS >= this.#owners.length) this.#grow(owner);
    if (this.#keys.size >= this.capacity) {
      const victim = this.#victim(owner);
      if (victim < 0) return -1;
      this.evictedOwner = victim;
      this.remove(this.#owners[victim * OWNER_WORDS + O_HEAD]);
    }
    const e = this.#keys.insert(a, b, c);
    if (e < 0) return -1;
    this.#owner[e] = owner;
    this.#seenMs[e] = nowMs;
    const o = owner * OWNER_WORDS;
    this.#append(e, o);
    this.#recount(owner, 1);
    return e;
  }

  /** Drops entry `e` (which must be held). */
  remove(e: number): void {
    const owner = this.#owner[e];
    this.#unlink(e, owner * OWNER_WORDS);
    this.#recount(owner, -1);
    this.#keys.remove(e);
    this.#onRemove(e);
  }

  /** Drops expired entries. Walks the table: call seldom. */
  sweep(nowMs: number): void {
    if (this.#timeoutMs <= 0) return;
    const keys = this.#keys;
    for (let e = 0; e < this.capacity; e++) if (keys.used(e) && this.expired(e, nowMs)) this.remove(e);
  }

  /** The least recently used entry of `owner`, -1 when it holds none; then `after(e)` up to -1. */
  first(owner: number): number {
    return owner * OWNER_WORDS < this.#owners.length ? this.#owners[owner * OWNER_WORDS + O_HEAD] : -1;
  }

  /** The entry of the same owner used after `e`, or -1. */
  after(e: number): number {
    return this.#next[e];
  }

  /** Whose least recently used entry makes room for a new one of `owner`; -1: none (refused). */
  #victim(owner: number): number {
    const mine = this.count(owner);
    const max = this.#maxCount;
    if (max > this.protect && max > mine + 1) return this.#bucket[max];
    return mine > 0 ? owner : -1;
  }

  #append(e: number, o: number): void {
    const owners = this.#owners;
    const tail = owners[o + O_TAIL];
    this.#prev[e] = tail;
    this.#next[e] = -1;
    if (tail >= 0) this.#next[tail] = e;
    else owners[o + O_HEAD] = e;
    owners[o + O_TAIL] = e;
  }

  #unlink(e: number, o: number): void {
    const owners = this.#owners;
    const prev = this.#prev[e];
    const next = this.#next[e];
    if (prev >= 0) this.#next[prev] = next;
    else owners[o + O_HEAD] = next;
    if (next >= 0) this.#prev[next] = prev;
    else owners[o + O_TAIL] = prev;
  }

  /** Moves `owner` from the bucket of its count to that of count + `d` (±1). */
  #recount(owner: number, d: number): void {
    const owners = this.#owners;
    const o = owner * OWNER_WORDS;
    const n = owners[o + O_COUNT];
    if (n > 0) {
      const prev = owners[o + O_PREV];
      const next = owners[o + O_NEXT];
      if (prev >= 0) owners[prev * OWNER_WORDS + O_NEXT] = next;
      else this.#bucket[n] = next;
      if (next >= 0) owners[next * OWNER_WORDS + O_PREV] = prev;
    }
    const m = n + d;
    owners[o + O_COUNT] = m;
    if (m > 0) {
      const head = this.#bucket[m];
      owners[o + O_PREV] = -1;
      owners[o + O_NEXT] = head;
      if (head >= 0) owners[head * OWNER_WORDS + O_PREV] = owner;
      this.#bucket[m] = owner;
    }
    if (m > this.#maxCount) this.#maxCount = m;
    // A count moves by one, so the bucket below an emptied maximum holds the owner that left it.
    else if (n === this.#maxCount && this.#bucket[n] < 0) this.#maxCount = m;
  }

  #grow(owner: number): void {
    let n = this.#owners.length;
    while (n <= owner * OWNER_WORDS) n *= 2;
    const next = new Int32Array(n).fill(-1);
    next.set(this.#owners);
    for (let o = this.#owners.length; o < n; o += OWNER_WORDS) next[o + O_COUNT] = 0;
    this.#owners = next;
  }
}
