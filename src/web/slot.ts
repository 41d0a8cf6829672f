import type { Health } from './health.ts';
import type { HostFilter } from './host-filter.ts';
import type { EntrySink } from './live-view.ts';

/** One local host in one interval: bytes and bits per second received (in) and sent (out). */
export interface HostRate {
  host: string;
  inBytes: number;
  outBytes: number;
  inBps: number;
  outBps: number;
}

/** One pair of addresses in one interval: `ab` sent by a to b, `ba` by b to a. */
export interface PairRate {
  a: string;
  b: string;
  abBytes: number;
  baBytes: number;
  abBps: number;
  baBps: number;
}

/** IP bytes of one interval by network.io.direction (each packet once). */
export interface DirectionSplit {
  receive: number;
  transmit: number;
  internal: number;
  transit: number;
}

/**
 * One closed interval of the live page (usually one second): what the page draws. Only the top
 * hosts and pairs are kept; the rest is summed in `otherHosts` / `otherPairs`.
 */
export interface Slot {
  /** End of the interval, ms since the epoch. */
  end: number;
  /** Length of the interval in seconds. */
  seconds: number;
  /** Everything counted in the interval (each packet once), and its rates. */
  bytes: number;
  packets: number;
  bps: number;
  pps: number;
  /** Null when the direction is unknown (no accounting.localNetworks, or no host aggregation). */
  directions: DirectionSplit | null;
  /** Union of the top N hosts by in, by out and by in + out; sorted by in + out, descending. */
  hosts: HostRate[];
  /** Bytes of the hosts not listed (below the top N, or not matching the filter). */
  otherHosts: { inBytes: number; outBytes: number };
  /** The top N pairs by bytes both ways, descending. */
  pairs: PairRate[];
  otherPairs: number;
  health: Health;
}

/** An address kept for comparison: IP version and its 4 words (plain fields: no typed array per address). */
interface Address { v: number; w0: number; w1: number; w2: number; w3: number }
interface HostSum { host: string; in: number; out: number; w: Address }
interface PairSum { a: string; b: string; ab: number; ba: number; wa: Address; wb: Address }

/** Copies an address (4 words of `keys` at `at`) for later comparison. */
function addressWords(keys: Uint32Array, at: number, v6: boolean): Address {
  return { v: v6 ? 6 : 4, w0: keys[at], w1: v6 ? keys[at + 1] : 0, w2: v6 ? keys[at + 2] : 0, w3: v6 ? keys[at + 3] : 0 };
}

function sameAddress(w: Address, keys: Uint32Array, at: number, v6: boolean): boolean {
  if (w.v !== (v6 ? 6 : 4) || w.w0 !== keys[at]) return false;
  return !v6 || (w.w1 === keys[at + 1] && w.w2 === keys[at + 2] && w.w3 === keys[at + 3]);
}

/**
 * Per-host and per-pair byte sums of the interval being accumulated. Holds at most `maxTracked`
 * hosts and as many pairs; bytes of any more go to the `other` sums (memory stays bounded under
 * an address scan).
 */
export class SlotAccumulator implements EntrySink {
  readonly hosts = new Map<string, HostSum>();
  readonly pairs = new Map<string, PairSum>();
  /** Bytes by Direction code (0 unused). */
  readonly directions = new Float64Array(5);
  untrackedIn = 0;
  untrackedOut = 0;
  untrackedPairs = 0;
  readonly #max: number;
  /**
   * Tracked hosts and pairs by address hash (the first one of a hash): a known address is found
   * without formatting its text, and a hash that is absent proves the key is not tracked.
   */
  readonly #hostById = new Map<number, HostSum>();
  readonly #pairById = new Map<number, PairSum>();

  constructor(maxTracked: number) {
    this.#max = maxTracked;
  }

  known(id: number, keys: Uint32Array, at: number, v6: boolean, inBytes: number, outBytes: number): boolean {
    const h = this.#hostById.get(id);
    if (h !== undefined) {
      if (!sameAddress(h.w, keys, at, v6)) return false;
      h.in += inBytes;
      h.out += outBytes;
      return true;
    }
    if (this.hosts.size < this.#max) return false;
    this.untrackedIn += inBytes;
    this.untrackedOut += outBytes;
    return true;
  }

  knownPair(id: number, keys: Uint32Array, fromAt: number, toAt: number, v6: boolean, bytes: number): boolean {
    const p = this.#pairById.get(id);
    if (p !== undefined) {
      if (sameAddress(p.wa, keys, fromAt, v6) && sameAddress(p.wb, keys, toAt, v6)) p.ab += bytes;
      else if (sameAddress(p.wb, keys, fromAt, v6) && sameAddress(p.wa, keys, toAt, v6)) p.ba += bytes;
      else return false;
      return true;
    }
    if (this.pairs.size < this.#max) return false;
    this.untrackedPairs += bytes;
    return true;
  }

  host(host: string, inBytes: number, outBytes: number, id: number, keys: Uint32Array, at: number, v6: boolean): void {
    let h = this.hosts.get(host);
    if (h === undefined) {
      if (this.hosts.size >= this.#max) {
        this.untrackedIn += inBytes;
        this.untrackedOut += outBytes;
        return;
      }
      h = { host, in: 0, out: 0, w: addressWords(keys, at, v6) };
      this.hosts.set(host, h);
      if (!this.#hostById.has(id)) this.#hostById.set(id, h);
    }
    h.in += inBytes;
    h.out += outBytes;
  }

  pair(a: string, b: string, ab: number, ba: number, id: number, keys: Uint32Array, aAt: number, bAt: number, v6: boolean): void {
    const key = `${a} ${b}`;
    let p = this.pairs.get(key);
    if (p === undefined) {
      if (this.pairs.size >= this.#max) {
        this.untrackedPairs += ab + ba;
        return;
      }
      p = { a, b, ab: 0, ba: 0, wa: addressWords(keys, aAt, v6), wb: addressWords(keys, bAt, v6) };
      this.pairs.set(key, p);
      if (!this.#pairById.has(id)) this.#pairById.set(id, p);
    }
    p.ab += ab;
    p.ba += ba;
  }

  direction(code: number, bytes: number): void {
    this.directions[code] += bytes;
  }

  clear(): void {
    this.hosts.clear();
    this.pairs.clear();
    this.#hostById.clear();
    this.#pairById.clear();
    this.directions.fill(0);
    this.untrackedIn = 0;
    this.untrackedOut = 0;
    this.untrackedPairs = 0;
  }

  /** The top `n` hosts and pairs matching `filter`, as rates over `seconds`. */
  select(filter: HostFilter, n: number, seconds: number): Pick<Slot, 'hosts' | 'otherHosts' | 'pairs' | 'otherPairs'> {
    const rate = (bytes: number) => Math.round((bytes * 8) / seconds);
    const hosts = filter.all ? [...this.hosts.values()] : [...this.hosts.values()].filter((h) => filter.matches(h.host));
    const kept = new Set([...topBy(hosts, n, (h) => h.in), ...topBy(hosts, n, (h) => h.out), ...topBy(hosts, n, (h) => h.in + h.out)]);
    let otherIn = this.untrackedIn;
    let otherOut = this.untrackedOut;
    for (const h of this.hosts.values()) {
      if (!kept.has(h)) { otherIn += h.in; otherOut += h.out; }
    }
    const pairs = filter.all ? [...this.pairs.values()] : [...this.pairs.values()].filter((p) => filter.matches(p.a) || filter.matches(p.b));
    const topPairs = topBy(pairs, n, (p) => p.ab + p.ba);
    let otherPairs = this.untrackedPairs;
    for (const p of this.pairs.values()) otherPairs += p.ab + p.ba;
    for (const p of topPairs) otherPairs -= p.ab + p.ba;
    return {
      hosts: [...kept].sort((x, y) => y.in + y.out - (x.in + x.out) || (x.host < y.host ? -1 : 1))
        .map((h) => ({ host: h.host, inBytes: h.in, outBytes: h.out, inBps: rate(h.in), outBps: rate(h.out) })),
      otherHosts: { inBytes: otherIn, outBytes: otherOut },
      pairs: topPairs.map((p) => ({ a: p.a, b: p.b, abBytes: p.ab, baBytes: p.ba, abBps: rate(p.ab), baBps: rate(p.ba) })),
      otherPairs,
    };
  }
}

/**
 * The `n` items of highest positive `score`, highest first (ties: first seen first). O(items × n)
 * at worst, O(items) when most items score below the current n-th: fine for n in the tens.
 */
export function topBy<T>(items: Iterable<T>, n: number, score: (item: T) => number): T[] {
  const top: T[] = [];
  const scores: number[] = [];
  for (const item of items) {
    const s = score(item);
    if (!(s > 0) || (top.length === n && s <= scores[n - 1])) continue;
    let i = top.length === n ? n - 1 : top.length;
    while (i > 0 && scores[i - 1] < s) {
      top[i] = top[i - 1];
      scores[i] = scores[i - 1];
      i--;
    }
    top[i] = item;
    scores[i] = s;
  }
  return top;
}
