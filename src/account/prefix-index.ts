/**
 * Build-time step of PrefixTrie (prefix-trie.ts): packs the disjoint ranges of one address family
 * (prefix-ranges.ts) into typed arrays and builds a multibit index over them that narrows any
 * address to at most LEAF_RANGES candidate ranges. Runs once per table.
 */
import type { Ranges } from './prefix-ranges.ts';

/** Xored into every stored address word so that int32 comparison orders words as unsigned. */
export const BIAS = 0x80000000 | 0;

/** A slot whose block holds more candidate ranges than this gets a child node. */
const LEAF_RANGES = 8;
/** Most address bits the root node indexes (8 bytes per slot: 8 MiB at most). */
const MAX_ROOT_BITS = 20;
/**
 * Fewest address bits the root node indexes (32 KiB): a small table's look-ups (the local
 * networks, a short networks file: queried twice per packet) then mostly end in their root slot,
 * whose block lies inside one range, with no binary search (random addresses against
 * deploy/otelacct.yaml's local networks: 6.7 → 4.2 ns per IPv4 look-up, 7.5 → 5.1 per IPv6).
 */
const MIN_ROOT_BITS = 12;
/** Most address bits a child node indexes. */
const MAX_CHILD_BITS = 8;

/**
 * The lookup structure of one family. Nodes: node slots are pairs of int32 [first, child]. A node
 * indexing `bits` address bits at bit position `pos` covers an aligned block of addresses; slot t
 * covers its t-th sub-block, `first` is the range holding the sub-block's first address, and one
 * extra slot at the end holds the range holding the last address of the block. `child` is 0 for
 * a leaf slot (the address's range is among ranges first .. next slot's first) or
 * `nodeOffset << 4 | childBits` for a slot refined by a child node. The root sits at offset 0.
 */
export interface RangeIndex {
  /** Ranges interleaved: w start words (each xor BIAS), then the value; w + 1 int32 per range. */
  readonly ranges: Int32Array;
  /** Node slots as described above. */
  readonly nodes: Int32Array;
  /** Address bits indexed by the root node (12..20, about log2 of the range count). */
  readonly rootBits: number;
}

function log2Ceil(n: number): number {
  return n <= 1 ? 0 : Math.ceil(Math.log2(n));
}

/** True when the start of range r (w biased words at packed[r * (w + 1)]) is ≤ the address `a` (unsigned words). */
function startAtOrBefore(packed: Int32Array, r: number, w: number, a: readonly number[]): boolean {
  for (let k = 0; k < w; k++) {
    const s = packed[r * (w + 1) + k];
    const b = a[k] ^ BIAS;
    if (s !== b) return s < b;
  }
  return true;
}

/** Builds the index of `ranges` (w words per address), which it keeps as its `ranges`. */
export function buildIndex(ranges: Ranges, w: 1 | 4): RangeIndex {
  const { packed, count: n } = ranges;
  const rootBits = Math.min(MAX_ROOT_BITS, Math.max(MIN_ROOT_BITS, log2Ceil(n)));
  // The root's slots and a quarter more for children; grown by half when that is not enough.
  let nodes = new Int32Array(Math.ceil(((2 ** rootBits + 1) * 2) * 1.25));
  let used = 0;
  const push = (a: number, b: number): void => {
    if (used + 2 > nodes.length) {
      const grown = new Int32Array(Math.ceil(nodes.length * 1.5) + 2);
      grown.set(nodes);
      nodes = grown;
    }
    nodes[used++] = a;
    nodes[used++] = b;
  };
  /** Adds the node for the block starting at `block` (aligned at bit `pos`) and its children. */
  const addNode = (block: readonly number[], pos: number, bits: number, lo: number, hi: number): number => {
    const base = used;
    const count = 2 ** bits;
    const word = pos >>> 5;
    const step = 2 ** (32 - (pos & 31) - bits);
    const sub = block.slice();
    let r = lo;
    for (let t = 0; t < count; t++) {
      sub[word] = block[word] + t * step;
      while (r < hi && startAtOrBefore(packed, r + 1, w, sub)) r++;
      push(r, 0);
    }
    push(hi, 0);
    const next = pos + bits;
    for (let t = 0; t < count; t++) {
      const first = nodes[base + 2 * t];
      const candidates = nodes[base + 2 * t + 2] - first + 1;
      if (candidates <= LEAF_RANGES || next >= 32 * w) continue;
      const childBits = Math.min(MAX_CHILD_BITS, 32 - (next & 31), log2Ceil(candidates));
      sub[word] = block[word] + t * step;
      const child = addNode(sub, next, childBits, first, nodes[base + 2 * t + 2]);
      if (child >= 2 ** 27) throw new RangeError(`prefix trie: index exceeds ${2 ** 27} slots`);
      nodes[base + 2 * t + 1] = (child << 4) | childBits;
    }
    return base;
  };
  addNode(new Array<number>(w).fill(0), 0, rootBits, 0, n - 1);
  // Views, not copies: a copy would double the peak memory of a large table for a moment.
  return { ranges: packed.subarray(0, n * (w + 1)), nodes: nodes.subarray(0, used), rootBits };
}

/** A RangeIndex as plain data for postMessage (its arrays' buffers can be transferred). */
export function indexBuffers(index: RangeIndex): ArrayBuffer[] {
  return [index.ranges.buffer, index.nodes.buffer] as ArrayBuffer[];
}
