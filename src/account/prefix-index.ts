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
  /** Address bits indexed by the root node (1..20, about log2 of the range count). */
  readonly rootBits: number;
}

function log2Ceil(n: number): number {
  return n <= 1 ? 0 : Math.ceil(Math.log2(n));
}

/** True when the start of range r (w words at starts[r * w]) is ≤ the address `a`. */
function startAtOrBefore(starts: Uint32Array, r: number, w: number, a: readonly number[]): boolean {
  for (let k = 0; k < w; k++) {
    const s = starts[r * w + k];
    if (s !== a[k]) return s < a[k];
  }
  return true;
}

/** Packs `ranges` (w words per address) and builds its index. */
export function buildIndex(ranges: Ranges, w: 1 | 4): RangeIndex {
  const { starts, values, count: n } = ranges;
  const packed = new Int32Array(n * (w + 1));
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < w; k++) packed[r * (w + 1) + k] = starts[r * w + k] ^ BIAS;
    packed[r * (w + 1) + w] = values[r];
  }

  let nodes = new Int32Array(1024);
  let used = 0;
  const push = (a: number, b: number): void => {
    if (used + 2 > nodes.length) {
      const grown = new Int32Array(nodes.length * 2);
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
      while (r < hi && startAtOrBefore(starts, r + 1, w, sub)) r++;
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
  const rootBits = Math.min(MAX_ROOT_BITS, Math.max(1, log2Ceil(n)));
  addNode(new Array<number>(w).fill(0), 0, rootBits, 0, n - 1);
  return { ranges: packed, nodes: nodes.slice(0, used), rootBits };
}

/** A RangeIndex as plain data for postMessage (its arrays' buffers can be transferred). */
export function indexBuffers(index: RangeIndex): ArrayBuffer[] {
  return [index.ranges.buffer, index.nodes.buffer] as ArrayBuffer[];
}
