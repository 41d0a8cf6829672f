/**
 * Build-time step of PrefixTrie (prefix-trie.ts): flattens the prefixes of one address family
 * into the sorted, disjoint address ranges they induce, each carrying the index of its longest
 * matching prefix. Allocates freely; runs once per table.
 */

/** A prefix as the range builder needs it: network words (host bits zero) and length. */
export interface RangePrefix {
  readonly words: readonly number[];
  readonly length: number;
}

/**
 * Disjoint ranges covering the whole address space of one family, in address order, adjacent
 * ranges having different values. Range i runs from its start to the next range's start - 1 (the
 * last one to the top address); range 0 starts at address 0.
 */
export interface Ranges {
  /** Start address of each range, w unsigned 32-bit words per range. */
  readonly starts: number[];
  /** Index of the longest matching prefix for each range, -1 where none matches. */
  readonly values: number[];
}

/** Host-bit mask of word k (0-based) for a prefix of `length` bits. */
function hostMask(length: number, k: number): number {
  const bits = Math.min(32, Math.max(0, length - 32 * k));
  return bits === 32 ? 0 : 0xffffffff >>> bits;
}

function compareAt(a: readonly number[], ao: number, b: readonly number[], bo: number, w: number): number {
  for (let k = 0; k < w; k++) {
    const d = a[ao + k] - b[bo + k];
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The ranges of `prefixes[i]` for every i in `ids` (all of one family, `w` words per
 * address). When the same prefix occurs more than once, the highest index wins.
 */
export function buildRanges(prefixes: readonly RangePrefix[], ids: readonly number[], w: 1 | 4): Ranges {
  const sorted = ids.slice().sort((a, b) => {
    const pa = prefixes[a];
    const pb = prefixes[b];
    return compareAt(pa.words, 0, pb.words, 0, w) || pa.length - pb.length || a - b;
  });

  const starts: number[] = [];
  const values: number[] = [];
  const emit = (pos: readonly number[], value: number): void => {
    const n = values.length;
    if (n > 0 && compareAt(starts, (n - 1) * w, pos, 0, w) === 0) {
      values[n - 1] = value;
      if (n > 1 && values[n - 2] === value) {
        values.pop();
        starts.length -= w;
      }
    } else if (n === 0 || values[n - 1] !== value) {
      for (let k = 0; k < w; k++) starts.push(pos[k]);
      values.push(value);
    }
  };

  const stack: number[] = [];
  const ends: number[][] = [];
  /** Emits the boundary just past the top of the stack, then pops it. */
  const close = (): void => {
    const end = ends[ends.length - 1];
    stack.pop();
    ends.pop();
    const next = end.slice();
    let k = w - 1;
    for (; k >= 0 && next[k] === 0xffffffff; k--) next[k] = 0;
    if (k < 0) return; // the range ran to the top address
    next[k] += 1;
    emit(next, stack.length > 0 ? stack[stack.length - 1] : -1);
  };

  emit(new Array<number>(w).fill(0), -1);
  for (let s = 0; s < sorted.length; s++) {
    const id = sorted[s];
    const p = prefixes[id];
    if (s + 1 < sorted.length) {
      const q = prefixes[sorted[s + 1]];
      if (q.length === p.length && compareAt(q.words, 0, p.words, 0, w) === 0) continue; // a later duplicate wins
    }
    while (ends.length > 0 && compareAt(ends[ends.length - 1], 0, p.words, 0, w) < 0) close();
    emit(p.words, id);
    stack.push(id);
    const end: number[] = [];
    for (let k = 0; k < w; k++) end.push((p.words[k] | hostMask(p.length, k)) >>> 0);
    ends.push(end);
  }
  while (stack.length > 0) close();

  return { starts, values };
}
