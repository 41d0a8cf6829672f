/**
 * Micro benchmark of PrefixTrie: builds tables of random prefixes, then times lookups of random
 * addresses (half inside a random table prefix, half uniformly random) and reports lookups/s,
 * ns/lookup (best and median of the runs), build time and typed-array memory.
 *
 *   node bench/prefix-trie.ts [--prefixes N] [--lookups N] [--runs N] [--seed N]
 *
 * Tables: IPv4 random /24s; IPv4 random lengths /8../32; IPv6 random /48s (anywhere); IPv6 /48s
 * concentrated in 2a00::/12 as real allocations are; a mixed v4 + v6 table; a 1M-prefix IPv4 table.
 */
import { parseArgs } from 'node:util';
import { type PrefixEntry, PrefixTrie } from '../src/account/prefix-trie.ts';

const { values } = parseArgs({
  options: {
    prefixes: { type: 'string', default: '100000' },
    lookups: { type: 'string', default: '4000000' },
    runs: { type: 'string', default: '7' },
    seed: { type: 'string', default: '1' },
  },
});
const prefixCount = Number(values.prefixes);
const lookupCount = Number(values.lookups);
const runs = Number(values.runs);

let state = Number(values.seed) >>> 0 || 1;
/** xorshift32: a 32-bit unsigned pseudo-random word. */
function rand(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state >>> 0;
}
const mask = (len: number): number => (len <= 0 ? 0 : len >= 32 ? 0xffffffff : (0xffffffff << (32 - len)) >>> 0);

function v4Table(n: number, minLen: number, maxLen: number): PrefixEntry[] {
  const out: PrefixEntry[] = [];
  for (let i = 0; i < n; i++) {
    const length = minLen + (rand() % (maxLen - minLen + 1));
    out.push({ version: 4, words: [(rand() & mask(length)) >>> 0], length, name: `p${i}` });
  }
  return out;
}

/** /48s; `top12` fixes the first 12 bits (e.g. 0x2a0 for 2a00::/12), or -1 for anywhere. */
function v6Table(n: number, top12: number): PrefixEntry[] {
  const out: PrefixEntry[] = [];
  for (let i = 0; i < n; i++) {
    let w0 = rand();
    if (top12 >= 0) w0 = ((top12 << 20) | (w0 & 0xfffff)) >>> 0;
    out.push({ version: 6, words: [w0 >>> 0, (rand() & 0xffff0000) >>> 0, 0, 0], length: 48, name: `p${i}` });
  }
  return out;
}

/** Lookup addresses, 4 words each (v4 uses word 0): odd ones inside a random table prefix. */
function addresses(entries: PrefixEntry[], version: 4 | 6, n: number): Uint32Array {
  const out = new Uint32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const inside = (i & 1) === 1 ? entries[rand() % entries.length] : undefined;
    for (let k = 0; k < (version === 4 ? 1 : 4); k++) {
      const r = rand();
      if (inside === undefined) out[i * 4 + k] = r;
      else {
        const m = mask(inside.length - 32 * k);
        out[i * 4 + k] = ((inside.words[k] & m) | (r & ~m)) >>> 0;
      }
    }
  }
  return out;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}

function bench(label: string, entries: PrefixEntry[], version: 4 | 6): void {
  const t0 = performance.now();
  const trie = PrefixTrie.build(entries);
  const buildMs = performance.now() - t0;
  const addrs = addresses(entries.filter((e) => e.version === version), version, lookupCount);
  let sink = 0;
  const times: number[] = [];
  for (let r = 0; r < runs + 1; r++) {
    const start = process.hrtime.bigint();
    if (version === 4) {
      for (let i = 0; i < lookupCount; i++) sink += trie.lookup4(addrs[i * 4]);
    } else {
      for (let i = 0; i < lookupCount; i++) {
        const o = i * 4;
        sink += trie.lookup6(addrs[o], addrs[o + 1], addrs[o + 2], addrs[o + 3]);
      }
    }
    const ns = Number(process.hrtime.bigint() - start);
    if (r > 0) times.push(ns / lookupCount); // run 0 is warm-up
  }
  const best = Math.min(...times);
  const med = median(times);
  const ranges = trie.rangeCounts();
  console.log(
    `${label.padEnd(34)} ${(1e3 / med).toFixed(1).padStart(6)} M lookups/s  ` +
      `${med.toFixed(1).padStart(5)} ns median ${best.toFixed(1).padStart(5)} ns best  ` +
      `build ${buildMs.toFixed(0).padStart(5)} ms  memory ${(trie.memoryBytes() / 1048576).toFixed(2).padStart(6)} MiB  ` +
      `ranges v4 ${ranges.v4} v6 ${ranges.v6}  (${sink & 1})`,
  );
}

console.log(`node ${process.version}, ${prefixCount} prefixes, ${lookupCount} lookups x ${runs} runs`);
bench(`IPv4 random /24`, v4Table(prefixCount, 24, 24), 4);
bench(`IPv4 random /8../32`, v4Table(prefixCount, 8, 32), 4);
bench(`IPv6 random /48`, v6Table(prefixCount, -1), 6);
bench(`IPv6 /48 in 2a00::/12`, v6Table(prefixCount, 0x2a0), 6);
const mixed = [...v4Table(prefixCount, 8, 32), ...v6Table(prefixCount, 0x2a0)];
bench(`mixed table, IPv4 lookups`, mixed, 4);
bench(`mixed table, IPv6 lookups`, mixed, 6);
bench(`IPv4 1M random /8../32`, v4Table(1_000_000, 8, 32), 4);
