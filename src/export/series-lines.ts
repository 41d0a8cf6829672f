import type { Attributes } from '@opentelemetry/api';
import { KEY_WORDS } from '../account/flow-table.ts';
import { KeyWord } from '../account/flow-key.ts';
import { HASH_SEED, hashStep } from '../account/key-hash.ts';
import type { SeriesStore } from '../account/series-store.ts';
import { formatIPv6 } from '../decode/address-format.ts';
import type { ExpositionLines } from './exposition-lines.ts';
import type { FlowAttributes } from './flow-attributes.ts';
import { LineBuffer } from './line-buffer.ts';
import {
  ATTR_DESTINATION_ADDRESS, ATTR_DESTINATION_NETWORK, ATTR_DESTINATION_PORT, ATTR_DESTINATION_PREFIX, ATTR_DIRECTION,
  ATTR_EGRESS_INTERFACE_ID, ATTR_EGRESS_INTERFACE_NAME, ATTR_EXPORTER_ADDRESS, ATTR_INGRESS_INTERFACE_ID, ATTR_INGRESS_INTERFACE_NAME,
  ATTR_LOCAL_ADDRESS, ATTR_LOCAL_NETWORK, ATTR_LOCAL_PORT, ATTR_NETWORK_INTERFACE_NAME, ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_TYPE, ATTR_REMOTE_ADDRESS, ATTR_REMOTE_NETWORK, ATTR_REMOTE_PORT, ATTR_REMOTE_PREFIX, ATTR_SOURCE_ADDRESS,
  ATTR_SOURCE_NETWORK, ATTR_SOURCE_PORT, ATTR_VLAN_ID,
} from './semconv.ts';

/** Attributes holding side A's address, and side B's (or, rolled up, its prefix: the address and `/length`). */
const A_ADDRESS: readonly string[] = [ATTR_SOURCE_ADDRESS, ATTR_LOCAL_ADDRESS];
const B_ADDRESS: readonly string[] = [ATTR_DESTINATION_ADDRESS, ATTR_REMOTE_ADDRESS, ATTR_DESTINATION_PREFIX, ATTR_REMOTE_PREFIX];
/**
 * Dimensions whose value depends only on key words other than the addresses' (ports, protocol,
 * direction, interface, VLAN, named-network labels, the flow exporter and its interfaces): their
 * text can be reused between series.
 * An aggregation with any other dimension (a prefix, or one added later) is written through its
 * attributes, line by line.
 */
const FROM_OTHER_WORDS: readonly string[] = [
  ATTR_SOURCE_NETWORK, ATTR_DESTINATION_NETWORK, ATTR_LOCAL_NETWORK, ATTR_REMOTE_NETWORK, ATTR_SOURCE_PORT, ATTR_DESTINATION_PORT,
  ATTR_LOCAL_PORT, ATTR_REMOTE_PORT, ATTR_DIRECTION, ATTR_NETWORK_TYPE, ATTR_NETWORK_TRANSPORT, ATTR_NETWORK_INTERFACE_NAME, ATTR_VLAN_ID,
  ATTR_EXPORTER_ADDRESS, ATTR_INGRESS_INTERFACE_ID, ATTR_EGRESS_INTERFACE_ID, ATTR_INGRESS_INTERFACE_NAME, ATTR_EGRESS_INTERFACE_NAME,
];
const ADDRESS_DIMENSIONS: readonly string[] = [ATTR_SOURCE_ADDRESS, ATTR_DESTINATION_ADDRESS, ATTR_LOCAL_ADDRESS, ATTR_REMOTE_ADDRESS];

/** Direct-mapped cache of label texts by the key's other words: bounded, whatever the keys. */
const CACHE_SLOTS = 1024;
/** A character no escaped label value contains: marks where an address goes in a label text. */
const MARK = '\u0001';

/**
 * The label text of the series that share a key's words other than the addresses: the texts
 * before, between and after the address values, and which address goes where.
 */
interface LabelText {
  /** The key's other words. */
  rest: Uint32Array;
  /** parts.length = sides.length + 1: parts[0], address sides[0], parts[1], …: a line but its addresses and value. */
  parts: Uint8Array[];
  /** 0: side A, 1: side B. */
  sides: number[];
  v6: boolean;
  /** Bytes of the parts. */
  length: number;
}

/**
 * Writes the Prometheus text lines of one traffic metric straight from its series store, byte for
 * byte as ExpositionLines writes the attributes FlowAttributes builds (test/export/series-lines
 * checks it on random keys for every dimension): no attribute object, no string per label.
 *
 * Everything in a line but the addresses and the value depends on the key's other words (protocol,
 * direction, interface, ports, …), which few series differ in: that text is built once through
 * FlowAttributes and ExpositionLines (their escaping and naming) and kept in a small cache; the
 * addresses are formatted into the buffer (IPv4 digit by digit, IPv6 as formatIPv6 writes it). When
 * a cached text is built, the address text this writer would write is checked against the
 * attribute value: if they ever differ, or the aggregation has a dimension not known to depend
 * only on the other words, every line goes through the attributes (ExpositionLines.line).
 */
export class SeriesLines {
  readonly #lines: ExpositionLines;
  readonly #store: SeriesStore;
  readonly #attributes: FlowAttributes;
  readonly #width: number;
  /** Compact positions of side A's and side B's address words (4 each or none), of the other words. */
  readonly #aAt: number;
  readonly #bAt: number;
  readonly #restAt: Int32Array;
  #fast: boolean;
  readonly #cache: Array<LabelText | undefined> = new Array(CACHE_SLOTS);
  readonly #full = new Uint32Array(KEY_WORDS);
  readonly #v6 = new Uint8Array(16);

  /**
   * @param words the full-key word indices the store keeps (its aggregation's keyWords)
   * @param dimensions the aggregation's dimensions
   */
  constructor(lines: ExpositionLines, store: SeriesStore, words: readonly number[], attributes: FlowAttributes, dimensions: readonly string[]) {
    this.#lines = lines;
    this.#store = store;
    this.#attributes = attributes;
    this.#width = words.length;
    this.#aAt = words.indexOf(KeyWord.A);
    this.#bAt = words.indexOf(KeyWord.B);
    this.#restAt = Int32Array.from(words.flatMap((w, i) => (w >= KeyWord.A && w < KeyWord.B + 4 ? [] : [i])));
    const addressesWhole = [this.#aAt, this.#bAt].every((at) => at < 0 || words.slice(at, at + 4).every((w, i) => w === words[at] + i));
    this.#fast = addressesWhole && dimensions.every((d) => ADDRESS_DIMENSIONS.includes(d) || FROM_OTHER_WORDS.includes(d));
  }

  /** Whether lines are written from the key words (false: through the attributes, line by line). */
  get direct(): boolean {
    return this.#fast;
  }

  /** Appends the line of store entry `e` with `value` to `out`. */
  write(out: LineBuffer, e: number, value: number): void {
    const keys = this.#store.keys;
    const at = e * this.#width;
    let text: LabelText | undefined | null;
    if (this.#fast) {
      const rest = this.#restAt;
      let h = HASH_SEED;
      for (let i = 0; i < rest.length; i++) h = hashStep(h, keys[at + rest[i]]);
      const slot = (h ^ (h >>> 16)) & (CACHE_SLOTS - 1);
      text = this.#cache[slot];
      if (text === undefined || !sameRest(text.rest, keys, at, rest)) {
        text = this.#labelText(e);
        if (text === null) this.#fast = false;
        else this.#cache[slot] = text;
      }
    }
    if (!text) {
      this.#store.expand(e, this.#full);
      out.text(this.#lines.line(this.#attributes.of(this.#full, 0), value));
      return;
    }
    out.reserve(text.length + 2 * 46 + 32);
    const parts = text.parts;
    for (let i = 0; i < text.sides.length; i++) {
      out.bytes(parts[i]);
      this.#address(out, keys, at + (text.sides[i] === 0 ? this.#aAt : this.#bAt), text.v6);
    }
    out.bytes(parts[parts.length - 1]);
    out.number(value);
    out.byte(10);
  }

  /**
   * The label text for entry e's other words, built from its attributes; null if an address
   * attribute's value is not what this writer would write.
   */
  #labelText(e: number): LabelText | null {
    const keys = this.#store.keys;
    const at = e * this.#width;
    const full = this.#full;
    this.#store.expand(e, full);
    const attributes: Attributes = this.#attributes.of(full, 0);
    const sides: number[] = [];
    let v6 = false;
    let text = '';
    for (const key in attributes) {
      const value = attributes[key];
      const side = A_ADDRESS.includes(key) ? 0 : B_ADDRESS.includes(key) ? 1 : -1;
      if (side < 0) {
        text += this.#lines.label(key, value);
        continue;
      }
      if (typeof value !== 'string') return null;
      v6 = value.includes(':');
      const address = this.#addressText(keys, at + (side === 0 ? this.#aAt : this.#bAt), v6);
      // A rolled-up side B: its prefix attribute holds the address and /length.
      if (value !== address && !(side === 1 && value.startsWith(`${address}/`))) return null;
      sides.push(side);
      text += this.#lines.label(key, MARK + value.slice(address.length));
    }
    const parts = `${this.#lines.start}${text}${this.#lines.end}`.split(MARK).map(utf8);
    const rest = new Uint32Array(this.#restAt.length);
    for (let i = 0; i < rest.length; i++) rest[i] = keys[at + this.#restAt[i]];
    return { rest, parts, sides, v6, length: parts.reduce((n, p) => n + p.length, 0) };
  }

  /** The address text at compact word `at` as #address writes it (for the check). */
  #addressText(keys: Uint32Array, at: number, v6: boolean): string {
    const b = new LineBuffer(64);
    this.#address(b, keys, at, v6);
    return b.take();
  }

  #address(out: LineBuffer, keys: Uint32Array, at: number, v6: boolean): void {
    if (!v6) {
      out.ipv4(keys[at]);
      return;
    }
    // formatIPv6's rules (glibc inet_ntop): the first longest run of two or more zero groups is
    // '::'; groups in lower-case hex without leading zeros; the embedded-IPv4 forms it writes.
    // The run comes from a table by the mask of zero groups (bit i: group i is 0).
    const w0 = keys[at];
    const w1 = keys[at + 1];
    const w2 = keys[at + 2];
    const w3 = keys[at + 3];
    const run = ZERO_RUNS[zeroGroup(w0) << 6 | zeroGroup(w1) << 4 | zeroGroup(w2) << 2 | zeroGroup(w3)];
    const best = run === NO_RUN ? -1 : run >> 4;
    const bestLength = run & 0xf;
    if (best === 0 && (bestLength === 6 || (bestLength === 5 && (w2 & 0xffff) === 0xffff))) {
      const a = this.#v6;
      for (let i = 0; i < 4; i++) {
        const w = keys[at + i];
        a[i * 4] = w >>> 24; a[i * 4 + 1] = (w >>> 16) & 0xff; a[i * 4 + 2] = (w >>> 8) & 0xff; a[i * 4 + 3] = w & 0xff;
      }
      out.ascii(formatIPv6(a, 0));
      return;
    }
    out.ipv6(keys, at, best, bestLength);
  }
}

/** Bits for the two groups of address word `w`: 2 when its first group is 0, 1 when its second is (group order: high bits first). */
function zeroGroup(w: number): number {
  return ((w >>> 16) === 0 ? 2 : 0) | ((w & 0xffff) === 0 ? 1 : 0);
}

/** ZERO_RUNS entry for a mask with no run of two or more zero groups. */
const NO_RUN = 0xff;

/**
 * By the mask of an address's zero groups (bit 7 - i: group i is 0): the first longest run of two
 * or more zero groups, as start << 4 | length, or NO_RUN.
 */
const ZERO_RUNS = Uint8Array.from({ length: 256 }, (_, mask) => {
  let best = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if ((mask & (0x80 >> i)) === 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && (mask & (0x80 >> j)) !== 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  return bestLength < 2 ? NO_RUN : best << 4 | bestLength;
});

function sameRest(rest: Uint32Array, keys: Uint32Array, at: number, restAt: Int32Array): boolean {
  for (let i = 0; i < rest.length; i++) if (rest[i] !== keys[at + restAt[i]]) return false;
  return true;
}

function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}
