import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PrefixEntry, PrefixTrie } from '../../src/account/prefix-trie.ts';
import { fewestYoungGcs } from '../support/allocation.ts';

/** `a.b.c.d` → the unsigned word a flow key holds. */
function ip4(text: string): number {
  return text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

/** IPv6 text (hex groups, optional `::`, no embedded IPv4) → four unsigned words. */
function ip6(text: string): [number, number, number, number] {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t].map((g) => parseInt(g, 16));
  assert.equal(groups.length, 8, text);
  const w = [0, 1, 2, 3].map((k) => groups[2 * k] * 65536 + groups[2 * k + 1]);
  return [w[0], w[1], w[2], w[3]];
}

function net4(text: string): PrefixEntry {
  const [addr, len] = text.split('/');
  return { version: 4, words: [ip4(addr)], length: Number(len), name: text };
}

function net6(text: string): PrefixEntry {
  const [addr, len] = text.split('/');
  return { version: 6, words: ip6(addr), length: Number(len), name: text };
}

const find6 = (trie: PrefixTrie, text: string): number => trie.lookup6(...ip6(text));

test('IPv4: nested prefixes, the longest wins, edges of each prefix', () => {
  const trie = PrefixTrie.build([net4('0.0.0.0/0'), net4('10.0.0.0/8'), net4('10.1.2.0/24'), net4('10.1.2.3/32')]);
  const cases: [string, number][] = [
    ['0.0.0.0', 0], ['8.8.8.8', 0], ['9.255.255.255', 0], ['255.255.255.255', 0],
    ['10.0.0.0', 1], ['10.255.255.255', 1], ['11.0.0.0', 0],
    ['10.1.1.255', 1], ['10.1.2.0', 2], ['10.1.2.2', 2], ['10.1.2.3', 3], ['10.1.2.4', 2], ['10.1.2.255', 2], ['10.1.3.0', 1],
  ];
  for (const [addr, want] of cases) assert.equal(trie.lookup4(ip4(addr)), want, addr);
  assert.equal(trie.size, 4);
  assert.equal(trie.entry(3).name, '10.1.2.3/32');
});

test('IPv4: without a default route, addresses outside every prefix give -1', () => {
  const trie = PrefixTrie.build([net4('192.168.4.0/23'), net4('0.0.0.0/32'), net4('255.255.255.0/24'), net4('255.255.255.255/32')]);
  const cases: [string, number][] = [
    ['192.168.3.255', -1], ['192.168.4.0', 0], ['192.168.5.255', 0], ['192.168.6.0', -1],
    ['0.0.0.0', 1], ['0.0.0.1', -1], ['255.255.254.255', -1], ['255.255.255.0', 2], ['255.255.255.254', 2], ['255.255.255.255', 3],
  ];
  for (const [addr, want] of cases) assert.equal(trie.lookup4(ip4(addr)), want, addr);
  assert.equal(trie.lookup4(ip4('192.168.4.1') | 0), 0, 'int32 form of an address above 2^31');
});

test('IPv6: nested /0, /32, /48, /64, /128 and the edges of each', () => {
  const entries = ['::/0', '2001:db8::/32', '2001:db8:1::/48', '2001:db8:1:2::/64', '2001:db8:1:2::1/128'].map(net6);
  const trie = PrefixTrie.build(entries);
  const cases: [string, number][] = [
    ['::', 0], ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 0], ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', 0], ['2001:db9::', 0],
    ['2001:db8::', 1], ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 1], ['2001:db8:0:ffff:ffff:ffff:ffff:ffff', 1], ['2001:db8:2::', 1],
    ['2001:db8:1::', 2], ['2001:db8:1:1:ffff:ffff:ffff:ffff', 2], ['2001:db8:1:3::', 2], ['2001:db8:1:ffff:ffff:ffff:ffff:ffff', 2],
    ['2001:db8:1:2::', 3], ['2001:db8:1:2::2', 3], ['2001:db8:1:2:ffff:ffff:ffff:ffff', 3],
    ['2001:db8:1:2::1', 4],
  ];
  for (const [addr, want] of cases) assert.equal(find6(trie, addr), want, addr);
  const noDefault = PrefixTrie.build(entries.slice(1));
  assert.equal(find6(noDefault, '2001:db9::'), -1);
  assert.equal(find6(noDefault, '2001:db8:1:2::1'), 3);
});

test('IPv4 and IPv6 tables are independent', () => {
  const v4only = PrefixTrie.build([net4('0.0.0.0/0')]);
  assert.equal(v4only.lookup4(ip4('1.2.3.4')), 0);
  assert.equal(find6(v4only, '::'), -1);
  assert.equal(find6(v4only, '::ffff:102:304'), -1);
  const mixed = PrefixTrie.build([net6('::/0'), net4('10.0.0.0/8'), net6('::ffff:a00:0/104')]);
  assert.equal(mixed.lookup4(ip4('10.0.0.1')), 1);
  assert.equal(mixed.lookup4(ip4('11.0.0.1')), -1, 'the IPv6 default route does not match IPv4');
  assert.equal(find6(mixed, '::ffff:a00:1'), 2, 'IPv4-mapped prefix matches as IPv6');
  assert.equal(find6(mixed, 'a00:1::'), 0, 'an IPv4 prefix never matches IPv6 words');
  assert.equal(PrefixTrie.build([]).lookup4(0), -1);
  assert.equal(PrefixTrie.build([]).lookup6(0, 0, 0, 0), -1);
});

test('a repeated prefix: the last occurrence wins', () => {
  const trie = PrefixTrie.build([
    { ...net4('10.0.0.0/8'), name: 'first' }, net4('10.1.0.0/16'), { ...net4('10.0.0.0/8'), name: 'second' },
    { ...net6('2001:db8::/32'), name: 'a' }, { ...net6('2001:db8::/32'), name: 'b' },
  ]);
  assert.equal(trie.lookup4(ip4('10.2.0.0')), 2);
  assert.equal(trie.lookup4(ip4('10.1.0.0')), 1);
  assert.equal(find6(trie, '2001:db8::5'), 4);
  assert.equal(trie.entry(0).name, 'first');
  assert.equal(trie.size, 5);
});

test('build rejects malformed entries naming them; entry() checks its index', () => {
  assert.throws(() => PrefixTrie.build([net4('10.0.0.0/8'), net4('10.0.0.1/8')]), { name: 'RangeError', message: 'prefix trie: entry 1: host bits set in word 0 for /8' });
  assert.throws(() => PrefixTrie.build([{ ...net4('10.0.0.0/8'), length: 33 }]), { message: 'prefix trie: entry 0: prefix length 33 is not 0..32' });
  assert.throws(() => PrefixTrie.build([{ ...net6('::/0'), words: [0] }]), { message: 'prefix trie: entry 0: IPv6 needs 4 address word(s), got 1' });
  assert.throws(() => PrefixTrie.build([{ ...net6('::1/128'), words: [0, 0, 0, 2 ** 32] }]), { message: 'prefix trie: entry 0: word 3 (4294967296) is not a 32-bit unsigned integer' });
  assert.throws(() => PrefixTrie.build([net4('1.0.0.0/8')]).entry(1), { message: 'prefix trie: entry index 1 out of range 0..0' });
});

/** xorshift32 with a fixed seed: the same "random" tables on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** The mask of word k for a prefix of `length` bits, unsigned. */
const maskOf = (length: number, k: number): number => {
  const bits = Math.min(32, Math.max(0, length - 32 * k));
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
};

/** The reference answer: a linear scan for the longest match; among equal prefixes the last. */
function naive(entries: PrefixEntry[], version: 4 | 6, addr: number[]): number {
  let best = -1;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.version !== version || (best >= 0 && e.length < entries[best].length)) continue;
    if (e.words.every((w, k) => ((addr[k] & maskOf(e.length, k)) >>> 0) === w)) best = i;
  }
  return best;
}

/**
 * `count` prefixes per family inside `base` (first words, `baseLength` bits): a third
 * independent, the rest made longer or shorter from earlier ones so that nesting is common.
 */
function randomTable(rand: () => number, count: number, base4: number, base6: number[], baseLength: number): PrefixEntry[] {
  const out: PrefixEntry[] = [];
  for (const version of [4, 6] as const) {
    const w = version === 4 ? 1 : 4;
    const own: PrefixEntry[] = [];
    for (let i = 0; i < count; i++) {
      const from = i % 3 !== 0 && own.length > 0 ? own[rand() % own.length] : undefined;
      const max = 32 * w;
      const length = from === undefined ? rand() % (max + 1) : Math.min(max, Math.max(0, from.length + (rand() % 17) - 4));
      const words = Array.from({ length: w }, (_, k) => {
        const r = from === undefined ? rand() : ((from.words[k] & maskOf(from.length, k)) | (rand() & ~maskOf(from.length, k))) >>> 0;
        const baseWord = version === 4 ? base4 : base6[k];
        const b = maskOf(Math.min(baseLength, length), k);
        return (((baseWord & b) | (r & ~b)) & maskOf(length, k)) >>> 0;
      });
      own.push({ version, words, length, name: `r${version}-${i}` });
    }
    out.push(...own);
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = rand() % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function checkAgainstNaive(entries: PrefixEntry[], rand: () => number, lookups: number): void {
  const trie = PrefixTrie.build(entries);
  for (let n = 0; n < lookups; n++) {
    const version = (n & 2) === 0 ? 4 : 6;
    const pool = entries.filter((e) => e.version === version);
    const inside = (n & 1) === 1 ? pool[rand() % pool.length] : undefined;
    const addr = Array.from({ length: version === 4 ? 1 : 4 }, (_, k) =>
      inside === undefined ? rand() : ((inside.words[k] & maskOf(inside.length, k)) | (rand() & ~maskOf(inside.length, k))) >>> 0);
    const got = version === 4 ? trie.lookup4(addr[0]) : trie.lookup6(addr[0], addr[1], addr[2], addr[3]);
    const want = naive(entries, version, addr);
    if (got !== want) assert.fail(`IPv${version} ${addr.map((x) => x.toString(16)).join(':')}: trie ${got}, linear scan ${want}`);
    // holds4/holds6 (the cover map), with the words in uint32 and in int32 form (as the per-packet path passes them).
    for (const a of [addr, addr.map((x) => x | 0)]) {
      const held = version === 4 ? trie.holds4(a[0]) : trie.holds6(a[0], a[1], a[2], a[3]);
      if (held !== want >= 0) assert.fail(`IPv${version} ${addr.map((x) => x.toString(16)).join(':')}: holds ${held}, linear scan ${want}`);
    }
  }
}

test('random prefixes anywhere: the trie agrees with a linear scan on 20,000 addresses', () => {
  const rand = prng(20240601);
  checkAgainstNaive(randomTable(rand, 1000, 0, [0, 0, 0, 0], 0), rand, 20_000);
});

test('random prefixes packed into 10.0.0.0/12 and 2001:db8::/40 (deep index nodes) agree with a linear scan', () => {
  const rand = prng(7);
  checkAgainstNaive(randomTable(rand, 1000, ip4('10.0.0.0'), ip6('2001:db8::'), 12), rand, 10_000);
  const rand6 = prng(99);
  checkAgainstNaive(randomTable(rand6, 1000, 0, ip6('2001:db8::'), 40), rand6, 10_000);
});

test('holds4/holds6 agree with a linear scan on small tables (as local networks are): short and long prefixes, /0, block edges', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const rand = prng(seed);
    const entries = randomTable(rand, 1 + (seed % 6), 0, [0, 0, 0, 0], 0);
    if (seed % 50 === 0) entries.push({ version: 4, words: [0], length: 0, name: 'default4' }, { version: 6, words: [0, 0, 0, 0], length: 0, name: 'default6' });
    checkAgainstNaive(entries, rand, 400);
    // The first and last address of each prefix and of its /12 block, and just outside them.
    const trie = PrefixTrie.build(entries);
    for (const e of entries) {
      const w = e.version === 4 ? 1 : 4;
      for (const length of [e.length, Math.min(e.length, 12)]) {
        const first = e.words.map((x, k) => (x & maskOf(length, k)) >>> 0);
        const last = first.map((x, k) => (x | ~maskOf(length, k)) >>> 0);
        for (const a of [first, last, step(first, -1), step(last, 1)]) {
          const want = naive(entries, e.version, a) >= 0;
          const held = w === 1 ? trie.holds4(a[0]) : trie.holds6(a[0], a[1], a[2], a[3]);
          if (held !== want) assert.fail(`seed ${seed}: IPv${e.version} ${a.map((x) => x.toString(16)).join(':')}: holds ${held}, linear scan ${want}`);
        }
      }
    }
  }
});

/** The address one after (1) or before (-1) the unsigned words `a`, wrapping around the family's space. */
function step(a: number[], by: 1 | -1): number[] {
  const out = a.slice();
  for (let k = out.length - 1; k >= 0; k--) {
    const v = (out[k] + by) >>> 0;
    const carry = by === 1 ? v === 0 : v === 0xffffffff;
    out[k] = v;
    if (!carry) break;
  }
  return out;
}

test('lookups do not allocate', () => {
  const rand = prng(5);
  const trie = PrefixTrie.build(randomTable(rand, 20_000, 0, [0x20010db8, 0, 0, 0], 16));
  const addrs = new Uint32Array(1 << 16).map(() => rand());
  let sink = 0;
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const o = (i * 4) & 0xfffc;
      sink ^= trie.lookup4(addrs[o]) ^ trie.lookup6(addrs[o], addrs[o + 1], addrs[o + 2], addrs[o + 3]); // stays a small integer
    }
  };
  run(200_000);
  const gcs = fewestYoungGcs(() => run(1_000_000));
  assert.equal(gcs, 0, `${gcs} garbage collections during 2M lookups`);
  assert.ok(Number.isInteger(sink));
});
