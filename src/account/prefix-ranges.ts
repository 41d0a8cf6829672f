/**
 * Build-time step of PrefixTrie (prefix-trie.ts): flattens the prefixes of one address family
 * into the sorted, disjoint address ranges they induce, each carrying the index of its longest
 * matching prefix. Runs once per table, on typed arrays (a million prefixes in about a second).
 */
import type { PrefixColumns } from './prefix-columns.ts';
import { BIAS } from './prefix-index.ts';

/**
 * Disjoint ranges covering the whole address space of one family, in address order, adjacent
 * ranges having different values. Range i runs from its start to the next range's start - 1 (the
 * last one to the top address); range 0 starts at address 0.
 */
export interface Ranges {
  /** Number of ranges. */
  readonly count: number;
  /**
   * The ranges as lookups read them, w + 1 int32 per range (the first count * (w + 1) used):
   * the w words of its start address, each xor BIAS, then the index of its longest matching
   * prefix, -1 where none matches.
   */
  readonly packed: Int32Array;
  /** Prefixes given more than once: how many earlier occurrences were overridden, and the first few. */
  readonly duplicates: number;
  readonly duplicateIds: number[];
}

/** How many overridden duplicates Ranges.duplicateIds keeps. */
const DUPLICATE_EXAMPLES = 5;

/** Host-bit mask of word k (0-based) for a prefix of `length` bits. */
function hostMask(length: number, k: number): number {
  const bits = Math.min(32, Math.max(0, length - 32 * k));
  return bits === 32 ? 0 : 0xffffffff >>> bits;
}

/**
 * The ranges of the prefixes `ids` of `cols` (all of one family, `w` words per address; `ids`
 * is sorted in place). When the same prefix occurs more than once, the highest index wins and
 * the others are counted.
 */
export function buildRanges(cols: PrefixColumns, ids: Uint32Array, w: 1 | 4): Ranges {
  const n = ids.length;
  // Sort keys: IPv4 as one exact double (word * 256 + length); IPv6 words compared in turn.
  const sorted = ids; // sorted in place
  if (w === 1) {
    const key = new Float64Array(cols.count);
    for (let s = 0; s < n; s++) key[ids[s]] = cols.word(ids[s], 0) * 256 + cols.length(ids[s]);
    sorted.sort((a, b) => key[a] - key[b] || a - b);
  } else {
    sorted.sort((a, b) => {
      for (let k = 0; k < 4; k++) {
        const d = cols.word(a, k) - cols.word(b, k);
        if (d !== 0) return d;
      }
      return cols.length(a) - cols.length(b) || a - b;
    });
  }

  // n prefixes make at most 2n + 1 ranges: no growing.
  const step = w + 1;
  const packed = new Int32Array((2 * n + 1) * step);
  let count = 0;
  const pos = new Uint32Array(4);
  /** Appends a boundary at `pos` with `value`, merging with the last one where they meet. */
  const emit = (value: number): void => {
    if (count > 0) {
      const last = (count - 1) * step;
      let same = true;
      for (let k = 0; k < w && same; k++) same = packed[last + k] === (pos[k] ^ BIAS);
      if (same) {
        packed[last + w] = value;
        if (count > 1 && packed[last - step + w] === value) count--;
        return;
      }
      if (packed[last + w] === value) return;
    }
    for (let k = 0; k < w; k++) packed[count * step + k] = pos[k] ^ BIAS;
    packed[count * step + w] = value;
    count++;
  };

  // The prefixes enclosing the current one (lengths strictly grow, so at most 32 * w + 1 deep).
  const stack = new Int32Array(32 * w + 2);
  const ends = new Uint32Array((32 * w + 2) * w);
  let depth = 0;
  /** True when the top of the stack ends before the prefix `id` starts. */
  const endsBefore = (id: number): boolean => {
    for (let k = 0; k < w; k++) {
      const e = ends[(depth - 1) * w + k];
      const p = cols.word(id, k);
      if (e !== p) return e < p;
    }
    return false;
  };
  /** Emits the boundary just past the top of the stack, then pops it. */
  const close = (): void => {
    depth--;
    let k = w - 1;
    for (let j = 0; j < w; j++) pos[j] = ends[depth * w + j];
    for (; k >= 0 && pos[k] === 0xffffffff; k--) pos[k] = 0;
    if (k < 0) return; // the range ran to the top address
    pos[k] += 1;
    emit(depth > 0 ? stack[depth - 1] : -1);
  };

  pos.fill(0);
  emit(-1);
  let duplicates = 0;
  const duplicateIds: number[] = [];
  for (let s = 0; s < n; s++) {
    const id = sorted[s];
    if (s + 1 < n) {
      const q = sorted[s + 1];
      let same = cols.length(q) === cols.length(id);
      for (let k = 0; k < w && same; k++) same = cols.word(q, k) === cols.word(id, k);
      if (same) { // a later duplicate wins
        duplicates++;
        if (duplicateIds.length < DUPLICATE_EXAMPLES) duplicateIds.push(id);
        continue;
      }
    }
    while (depth > 0 && endsBefore(id)) close();
    for (let k = 0; k < w; k++) pos[k] = cols.word(id, k);
    emit(id);
    stack[depth] = id;
    const length = cols.length(id);
    for (let k = 0; k < w; k++) ends[depth * w + k] = (cols.word(id, k) | hostMask(length, k)) >>> 0;
    depth++;
  }
  while (depth > 0) close();

  return { count, packed, duplicates, duplicateIds };
}
