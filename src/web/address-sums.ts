import { slotCount } from '../account/key-hash.ts';
import { formatIPv4, formatIPv6 } from '../decode/address-format.ts';

/** Most services one host or pair keeps per interval; the rest are summed under OTHER_SERVICE. */
export const MAX_SERVICES = 16;
/** Service code of the bytes of services past MAX_SERVICES. */
export const OTHER_SERVICE = -1;
/** Service code meaning "no service known for this entry" (the aggregation keeps no ports). */
export const NO_SERVICE = -2;

/** An address (or prefix: `len` bits) as the page lists it, built for output rows only. */
export interface Address { v: number; len: number; w0: number; w1: number; w2: number; w3: number }

/**
 * Bytes by service code (service-names.ts) per row of a table, in typed arrays allocated once:
 * each row's services are a list in first-seen order (so ties list as a Map would), at most
 * MAX_SERVICES codes and then OTHER_SERVICE. The pool holds `4 × rows` entries: when it runs
 * out (more than 4 services per row on average in one interval), a row's further new codes are
 * summed in its spill, listed as OTHER_SERVICE.
 */
export class ServiceLists {
  readonly #head: Int32Array;
  readonly #tail: Int32Array;
  readonly #count: Uint8Array;
  readonly #spill: Float64Array;
  readonly #next: Int32Array;
  readonly #code: Int32Array;
  readonly #bytes: Float64Array;
  #used = 0;

  constructor(rows: number) {
    this.#head = new Int32Array(rows).fill(-1);
    this.#tail = new Int32Array(rows);
    this.#count = new Uint8Array(rows);
    this.#spill = new Float64Array(rows);
    const pool = rows * 4;
    this.#next = new Int32Array(pool);
    this.#code = new Int32Array(pool);
    this.#bytes = new Float64Array(pool);
  }

  /** Adds `bytes` of service `code` (NO_SERVICE: nothing) to row `row`. */
  add(row: number, code: number, bytes: number): void {
    if (code === NO_SERVICE) return;
    let other = -1;
    for (let e = this.#head[row]; e >= 0; e = this.#next[e]) {
      if (this.#code[e] === code) {
        this.#bytes[e] += bytes;
        return;
      }
      if (this.#code[e] === OTHER_SERVICE) other = e;
    }
    if (this.#count[row] >= MAX_SERVICES) {
      if (other >= 0) {
        this.#bytes[other] += bytes;
        return;
      }
      code = OTHER_SERVICE;
    }
    if (this.#used === this.#bytes.length) {
      this.#spill[row] += bytes;
      return;
    }
    const e = this.#used++;
    this.#code[e] = code;
    this.#bytes[e] = bytes;
    this.#next[e] = -1;
    if (this.#head[row] < 0) this.#head[row] = e;
    else this.#next[this.#tail[row]] = e;
    this.#tail[row] = e;
    if (code !== OTHER_SERVICE) this.#count[row]++;
  }

  /** Whether row `row` has any service (an aggregation without ports gives none). */
  has(row: number): boolean {
    return this.#head[row] >= 0 || this.#spill[row] > 0;
  }

  /** Row `row`'s [code, bytes] in first-seen order (the spill as OTHER_SERVICE); for output. */
  entries(row: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let spill = this.#spill[row];
    for (let e = this.#head[row]; e >= 0; e = this.#next[e]) {
      const b = this.#bytes[e] + (this.#code[e] === OTHER_SERVICE ? spill : 0);
      if (this.#code[e] === OTHER_SERVICE) spill = 0;
      out.push([this.#code[e], b]);
    }
    if (spill > 0) out.push([OTHER_SERVICE, spill]);
    return out;
  }

  /** Forgets rows 0..rows-1. */
  clear(rows: number): void {
    this.#head.fill(-1, 0, rows);
    this.#count.fill(0, 0, rows);
    this.#spill.fill(0, 0, rows);
    this.#used = 0;
  }
}

/**
 * Open-addressing index (linear probing, load ≤ ¼) of up to `max` rows, each found by a 30-bit
 * hash `id` kept beside its slot (so a probe compares the row's words only when the ids match),
 * in typed arrays allocated once. Rows are numbered in first-seen order: iterating rows
 * 0..size-1 is iterating in insertion order. `clear()` allocates nothing.
 */
export class RowIndex {
  readonly max: number;
  size = 0;
  /** Per slot two words (one cache line holds both): row + 1 (0: empty), then the row's id. */
  readonly #slots: Int32Array;
  readonly #mask: number;

  constructor(max: number) {
    this.max = max;
    const slots = slotCount(2 * max);
    this.#slots = new Int32Array(2 * slots);
    this.#mask = slots - 1;
  }

  /** Whether `slot` holds a row whose id is `id`. */
  same(slot: number, id: number): boolean {
    return this.#slots[2 * slot + 1] === id;
  }

  /** First slot to probe for a key hashing to `id` (ids are 30-bit, odd: mixed first). */
  start(id: number): number {
    return (Math.imul(id, 0x9e3779b1) >>> 7) & this.#mask;
  }

  next(slot: number): number {
    return (slot + 1) & this.#mask;
  }

  /** Row stored at `slot` (-1: empty slot). */
  row(slot: number): number {
    return this.#slots[2 * slot] - 1;
  }

  /** Stores a new row of id `id` at empty `slot`; returns its number. */
  put(slot: number, id: number): number {
    const r = this.size++;
    this.#slots[2 * slot] = r + 1;
    this.#slots[2 * slot + 1] = id;
    return r;
  }

  clear(): void {
    this.#slots.fill(0);
    this.size = 0;
  }
}

/** Writes IP version and address words from `keys[at]` to row `r` of `words` (4 words a row). */
export function copyAddress(words: Uint32Array, r: number, keys: Uint32Array, at: number, v6: boolean): void {
  const w = r * 4;
  words[w] = keys[at];
  words[w + 1] = v6 ? keys[at + 1] : 0;
  words[w + 2] = v6 ? keys[at + 2] : 0;
  words[w + 3] = v6 ? keys[at + 3] : 0;
}

/** Whether row `r` of `words` holds the address at `keys[at]` (the IP version is compared by the caller). */
export function sameWords(words: Uint32Array, r: number, keys: Uint32Array, at: number, v6: boolean): boolean {
  const w = r * 4;
  if (words[w] !== keys[at]) return false;
  return !v6 || (words[w + 1] === keys[at + 1] && words[w + 2] === keys[at + 2] && words[w + 3] === keys[at + 3]);
}

const scratch = new Uint8Array(16);

/** The text of the address in row `r` of `words` (as the page shows it). */
export function addressText(words: Uint32Array, r: number, v6: boolean): string {
  const n = v6 ? 4 : 1;
  for (let i = 0; i < n; i++) {
    const w = words[r * 4 + i];
    scratch[i * 4] = w >>> 24; scratch[i * 4 + 1] = (w >>> 16) & 0xff; scratch[i * 4 + 2] = (w >>> 8) & 0xff; scratch[i * 4 + 3] = w & 0xff;
  }
  return v6 ? formatIPv6(scratch, 0) : formatIPv4(scratch, 0);
}

/**
 * In and out bytes per address (or prefix) of the interval being accumulated: local hosts, or
 * remote talkers. Holds at most `max` addresses; the bytes of any more go to the untracked sums
 * (memory stays bounded under an address scan). Everything lives in typed arrays allocated once
 * and reused every interval: adding an entry's bytes formats no text and allocates nothing (text
 * is formatted for the rows the page lists, at the close).
 */
export class AddressSums {
  readonly index: RowIndex;
  /** Per row: address words (4), IP version (4 or 6), prefix length (0: an address), bytes, networks-file entry. */
  readonly words: Uint32Array;
  readonly version: Uint8Array;
  readonly len: Uint8Array;
  readonly in: Float64Array;
  readonly out: Float64Array;
  readonly net: Int32Array;
  /** Per-row services; undefined when `withServices` was false. */
  readonly services: ServiceLists | undefined;
  untrackedIn = 0;
  untrackedOut = 0;
  readonly #text: Array<string | undefined> = [];

  constructor(max: number, withServices = true) {
    this.index = new RowIndex(max);
    this.words = new Uint32Array(max * 4);
    this.version = new Uint8Array(max);
    this.len = new Uint8Array(max);
    this.in = new Float64Array(max);
    this.out = new Float64Array(max);
    this.net = new Int32Array(max);
    this.services = withServices ? new ServiceLists(max) : undefined;
  }

  get size(): number {
    return this.index.size;
  }

  /**
   * Adds the bytes to the address (prefix of `len` bits when len > 0) at `keys[at]` hashing to
   * `id`: to its row, a new row, or the untracked sums when `max` are tracked already.
   */
  add(id: number, keys: Uint32Array, at: number, v6: boolean, len: number, inBytes: number, outBytes: number, service: number, net = -1): void {
    const x = this.index;
    const v = v6 ? 6 : 4;
    let slot = x.start(id);
    let r = x.row(slot);
    while (r >= 0 && !(x.same(slot, id) && this.version[r] === v && this.len[r] === len && sameWords(this.words, r, keys, at, v6))) {
      slot = x.next(slot);
      r = x.row(slot);
    }
    if (r < 0) {
      if (x.size >= x.max) {
        this.untrackedIn += inBytes;
        this.untrackedOut += outBytes;
        return;
      }
      r = x.put(slot, id);
      copyAddress(this.words, r, keys, at, v6);
      this.version[r] = v;
      this.len[r] = len;
      this.in[r] = 0;
      this.out[r] = 0;
      this.net[r] = net;
    }
    this.in[r] += inBytes;
    this.out[r] += outBytes;
    this.services?.add(r, service, inBytes + outBytes);
  }

  /** Text of row `r`: the address, or `address/len` for a prefix (formatted once per interval). */
  text(r: number): string {
    let t = this.#text[r];
    if (t === undefined) {
      t = addressText(this.words, r, this.version[r] === 6);
      if (this.len[r] > 0) t = `${t}/${this.len[r]}`;
      this.#text[r] = t;
    }
    return t;
  }

  /** Row `r`'s address (for the networks file). */
  address(r: number): Address {
    const w = r * 4;
    return { v: this.version[r], len: this.len[r], w0: this.words[w], w1: this.words[w + 1], w2: this.words[w + 2], w3: this.words[w + 3] };
  }

  clear(): void {
    this.services?.clear(this.index.size);
    this.index.clear();
    this.#text.length = 0;
    this.untrackedIn = 0;
    this.untrackedOut = 0;
  }
}
