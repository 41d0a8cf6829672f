import { formatAddressWords } from './ip-text.ts';
import { PrefixColumns, type PrefixColumnParts } from './prefix-columns.ts';
import { BIAS, buildIndex, indexBuffers, type RangeIndex } from './prefix-index.ts';
import { buildRanges } from './prefix-ranges.ts';

/** One network prefix and the name it is reported under. */
export interface PrefixEntry {
  /** Address family. */
  version: 4 | 6;
  /**
   * The network address as 32-bit big-endian words, as a flow key holds it (flow-key.ts): one
   * word for IPv4, four (w0..w3) for IPv6. Each word is an unsigned integer; host bits are zero.
   */
  words: number[];
  /** Prefix length: 0..32 for IPv4, 0..128 for IPv6. */
  length: number;
  /** Name reported for addresses this prefix matches (not interpreted here). */
  name: string;
}

/**
 * Longest-prefix match over a fixed set of IPv4 and IPv6 prefixes, built once (`build`) and then
 * queried per packet: `lookup4` and `lookup6` allocate nothing, create no strings, use no BigInt
 * and never throw.
 *
 * Layout, per family (prefix-ranges.ts, prefix-index.ts): the prefixes are flattened at build
 * time into the sorted, disjoint address ranges they induce (at most 2n + 1), each holding the
 * index of its longest matching prefix. A multibit trie over the address bits (a root of about
 * log2(ranges) bits, at least 12 and at most 20, children of ≤ 8 bits made only where a block holds more than 8 range
 * boundaries) narrows a lookup to at most 8 candidate ranges, which a binary search settles.
 * Memory is proportional to the number of ranges, not to prefix lengths, so /128 host routes and
 * sparse IPv6 tables cost the same as /24s. Everything lives in two Int32Arrays per family;
 * address words are stored xor 0x80000000 so that int32 comparison orders them as unsigned.
 *
 * IPv4 and IPv6 tables are independent: an IPv4-mapped IPv6 prefix (::ffff:0:0/96) matches only
 * IPv6 lookups. Immutable once built. The entries themselves are kept column-wise
 * (PrefixColumns); a whole trie can be built on a worker thread and moved (parts/fromParts).
 */
export class PrefixTrie {
  /** Number of entries given to build() (duplicates included). */
  readonly size: number;
  /** Entries overridden by a later entry with the same prefix (pmacct's table misbehaves on them). */
  readonly duplicates: number;
  readonly #cols: PrefixColumns;
  readonly #duplicateIds: readonly number[];
  /** Entries entry() has made. */
  readonly #made = new Map<number, PrefixEntry>();
  readonly #v4: RangeIndex;
  readonly #v6: RangeIndex;
  /** Per block of the address space (IPv4: address >>> COVER_SHIFT; IPv6: first word >>> COVER_SHIFT), see holds4(). */
  readonly #cover4: Uint8Array;
  readonly #cover6: Uint8Array;

  private constructor(cols: PrefixColumns, v4: RangeIndex, v6: RangeIndex, duplicates: number, duplicateIds: readonly number[]) {
    this.#cols = cols;
    this.size = cols.count;
    this.#v4 = v4;
    this.#v6 = v6;
    this.duplicates = duplicates;
    this.#duplicateIds = duplicateIds;
    this.#cover4 = coverMap(cols, 4);
    this.#cover6 = coverMap(cols, 6);
  }

  /**
   * Builds the structure for `entries` (copied). When the same prefix (family, network and
   * length) occurs more than once, the LAST occurrence wins: lookups never return the earlier
   * indices, which are counted in `duplicates`. Throws RangeError naming the entry when a
   * version, word count, word value or length is invalid or host bits are set.
   */
  static build(entries: readonly PrefixEntry[]): PrefixTrie {
    const cols = new PrefixColumns(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      checkEntry(e, i);
      cols.push(e.version, e.words[0], e.words[1] ?? 0, e.words[2] ?? 0, e.words[3] ?? 0, e.length, e.name);
    }
    return PrefixTrie.fromColumns(cols);
  }

  /** Builds the structure for prefixes already checked (as the networks-file parser makes them). */
  static fromColumns(cols: PrefixColumns): PrefixTrie {
    let n4 = 0;
    for (let i = 0; i < cols.count; i++) if (cols.version(i) === 4) n4++;
    const v4 = new Uint32Array(n4);
    const v6 = new Uint32Array(cols.count - n4);
    for (let i = 0, a = 0, b = 0; i < cols.count; i++) {
      if (cols.version(i) === 4) v4[a++] = i;
      else v6[b++] = i;
    }
    // One family at a time, so that the first one's build-time arrays can go before the second's.
    const duplicateIds: number[] = [];
    let duplicates = 0;
    const index = (ids: Uint32Array, w: 1 | 4): RangeIndex => {
      const ranges = buildRanges(cols, ids, w);
      duplicates += ranges.duplicates;
      duplicateIds.push(...ranges.duplicateIds);
      return buildIndex(ranges, w);
    };
    const i4 = index(v4, 1);
    return new PrefixTrie(cols, i4, index(v6, 4), duplicates, duplicateIds);
  }

  /** The trie as plain data for postMessage to another thread; `transfer` lists the buffers to move. */
  parts(): { parts: PrefixTrieParts; transfer: ArrayBuffer[] } {
    const c = this.#cols.parts();
    return {
      parts: { cols: c.parts, v4: this.#v4, v6: this.#v6, duplicates: this.duplicates, duplicateIds: [...this.#duplicateIds] },
      transfer: [...c.transfer, ...indexBuffers(this.#v4), ...indexBuffers(this.#v6)],
    };
  }

  /** The trie `parts()` described (on the receiving thread). */
  static fromParts(p: PrefixTrieParts): PrefixTrie {
    return new PrefixTrie(PrefixColumns.fromParts(p.cols), p.v4, p.v6, p.duplicates, p.duplicateIds);
  }

  /**
   * Index into the entries of the longest prefix holding the IPv4 address `addr` (one 32-bit
   * word, unsigned or its int32 form), or -1 when none does.
   */
  lookup4(addr: number): number {
    const t = this.#v4;
    const nodes = t.nodes;
    const ranges = t.ranges;
    let pos = t.rootBits;
    let o = (addr >>> (32 - pos)) << 1;
    let child = nodes[o + 1];
    while (child !== 0) {
      const bits = child & 15;
      o = (child >>> 4) + (((addr << pos) >>> (32 - bits)) << 1);
      pos += bits;
      child = nodes[o + 1];
    }
    let lo = nodes[o];
    let hi = nodes[o + 2];
    const a = addr ^ BIAS;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ranges[mid << 1] <= a) lo = mid;
      else hi = mid - 1;
    }
    return ranges[(lo << 1) + 1];
  }

  /**
   * Index into the entries of the longest prefix holding the IPv6 address w0:w1:w2:w3 (32-bit
   * big-endian words, unsigned or int32 form), or -1 when none does.
   */
  lookup6(w0: number, w1: number, w2: number, w3: number): number {
    const t = this.#v6;
    const nodes = t.nodes;
    const s = t.ranges;
    let pos = t.rootBits;
    let o = (w0 >>> (32 - pos)) << 1;
    let child = nodes[o + 1];
    while (child !== 0) {
      const bits = child & 15;
      const w = pos < 32 ? w0 : pos < 64 ? w1 : pos < 96 ? w2 : w3;
      o = (child >>> 4) + (((w << (pos & 31)) >>> (32 - bits)) << 1);
      pos += bits;
      child = nodes[o + 1];
    }
    let lo = nodes[o];
    let hi = nodes[o + 2];
    const a0 = w0 ^ BIAS;
    const a1 = w1 ^ BIAS;
    const a2 = w2 ^ BIAS;
    const a3 = w3 ^ BIAS;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      const r = mid * 5;
      let x = s[r];
      let le: boolean;
      if (x !== a0) le = x < a0;
      else if ((x = s[r + 1]) !== a1) le = x < a1;
      else if ((x = s[r + 2]) !== a2) le = x < a2;
      else le = s[r + 3] <= a3;
      if (le) lo = mid;
      else hi = mid - 1;
    }
    return s[lo * 5 + 4];
  }

  /**
   * Whether some prefix holds the IPv4 address `addr` (lookup4(addr) ≥ 0), as the local networks
   * are asked twice per packet. A 4 KiB map of the 4,096 /12 blocks (always in cache) answers for
   * blocks that no prefix touches or that one prefix of /12 or shorter holds whole; only blocks
   * holding a longer prefix's edge go to lookup4.
   */
  holds4(addr: number): boolean {
    const c = this.#cover4[addr >>> COVER_SHIFT];
    return c === Cover.SOME ? this.lookup4(addr) >= 0 : c === Cover.ALL;
  }

  /** holds4() for the IPv6 address w0:w1:w2:w3 (its first 12 bits pick the block). */
  holds6(w0: number, w1: number, w2: number, w3: number): boolean {
    const c = this.#cover6[w0 >>> COVER_SHIFT];
    return c === Cover.SOME ? this.lookup6(w0, w1, w2, w3) >= 0 : c === Cover.ALL;
  }

  /**
   * The entry at `index` (as returned by a lookup), for export time: made on the first call and
   * kept (so memory grows with the networks traffic matched, not the table). Do not modify it.
   * prefixLength() and name() need no object. Throws RangeError when out of range.
   */
  entry(index: number): PrefixEntry {
    this.#check(index);
    let e = this.#made.get(index);
    if (e === undefined) {
      const c = this.#cols;
      const version = c.version(index);
      const words = version === 4 ? [c.word(index, 0)] : [c.word(index, 0), c.word(index, 1), c.word(index, 2), c.word(index, 3)];
      e = { version, words, length: c.length(index), name: c.name(index) };
      this.#made.set(index, e);
    }
    return e;
  }

  /** Prefix length of the entry at `index` (a valid lookup result). Allocation-free. */
  prefixLength(index: number): number {
    return this.#cols.length(index);
  }

  /** Name of the entry at `index` (a valid lookup result; the string is shared, not built). */
  name(index: number): string {
    return this.#cols.name(index);
  }

  /** The first few prefixes (text, `10.0.0.0/8`) given more than once, for the warning about them. */
  duplicateExamples(): string[] {
    return [...new Set(this.#duplicateIds.map((i) => {
      const e = this.entry(i);
      return `${formatAddressWords(e)}/${e.length}`;
    }))];
  }

  #check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`prefix trie: entry index ${index} out of range 0..${this.size - 1}`);
    }
  }

  /** Bytes held by the typed arrays of both families (not counting the entries' columns). */
  memoryBytes(): number {
    let bytes = 0;
    for (const t of [this.#v4, this.#v6]) bytes += t.ranges.byteLength + t.nodes.byteLength;
    return bytes;
  }

  /** Number of disjoint ranges per family, for benchmarks and tests. */
  rangeCounts(): { v4: number; v6: number } {
    return { v4: this.#v4.ranges.length / 2, v6: this.#v6.ranges.length / 5 };
  }
}

/** A PrefixTrie as plain data (PrefixTrie.parts / fromParts). */
export interface PrefixTrieParts {
  cols: PrefixColumnParts;
  v4: RangeIndex;
  v6: RangeIndex;
  duplicates: number;
  duplicateIds: number[];
}

function checkEntry(e: PrefixEntry, i: number): void {
  const where = `prefix trie: entry ${i}`;
  if (e.version !== 4 && e.version !== 6) throw new RangeError(`${where}: version ${String(e.version)} is not 4 or 6`);
  const w = e.version === 4 ? 1 : 4;
  const max = 32 * w;
  if (!Array.isArray(e.words) || e.words.length !== w) {
    throw new RangeError(`${where}: IPv${e.version} needs ${w} address word(s), got ${Array.isArray(e.words) ? e.words.length : typeof e.words}`);
  }
  if (!Number.isInteger(e.length) || e.length < 0 || e.length > max) {
    throw new RangeError(`${where}: prefix length ${e.length} is not 0..${max}`);
  }
  for (let k = 0; k < w; k++) {
    const word = e.words[k];
    if (!Number.isInteger(word) || word < 0 || word > 0xffffffff) throw new RangeError(`${where}: word ${k} (${word}) is not a 32-bit unsigned integer`);
    const bits = Math.min(32, Math.max(0, e.length - 32 * k));
    const host = bits === 32 ? 0 : 0xffffffff >>> bits;
    if ((word & host) !== 0) throw new RangeError(`${where}: host bits set in word ${k} for /${e.length}`);
  }
}

/** Address bits below a cover block: blocks are the first 12 bits (/12 for IPv4, the first 12 bits of IPv6). */
const COVER_SHIFT = 20;
const COVER_BITS = 32 - COVER_SHIFT;
/** What a cover block holds: no prefix touches it, one holds it whole, or some prefix longer than the block starts in it. */
const Cover = { NONE: 0, ALL: 1, SOME: 2 } as const;

/** The cover map of one family's prefixes (see PrefixTrie.holds4). */
function coverMap(cols: PrefixColumns, version: 4 | 6): Uint8Array {
  const map = new Uint8Array(1 << COVER_BITS);
  for (let i = 0; i < cols.count; i++) {
    if (cols.version(i) !== version || cols.length(i) > COVER_BITS) continue;
    const first = cols.word(i, 0) >>> COVER_SHIFT;
    map.fill(Cover.ALL, first, first + 2 ** (COVER_BITS - cols.length(i)));
  }
  for (let i = 0; i < cols.count; i++) {
    if (cols.version(i) !== version || cols.length(i) <= COVER_BITS) continue;
    const block = cols.word(i, 0) >>> COVER_SHIFT;
    if (map[block] === Cover.NONE) map[block] = Cover.SOME;
  }
  return map;
}
