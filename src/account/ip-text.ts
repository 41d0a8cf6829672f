/**
 * Conversions between address text and the 32-bit big-endian words a flow key holds (flow-key.ts),
 * for configuration files. Load-time only: these allocate strings and arrays.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { formatIPv6 } from '../decode/address-format.ts';

/** Words of an IPv4 address (one) or IPv6 address (four), with its family. */
export interface AddressWords {
  version: 4 | 6;
  words: number[];
}

function ipv4Word(text: string): number {
  const [a, b, c, d] = text.split('.').map(Number);
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/**
 * Parses dotted-quad IPv4 or any RFC 4291 IPv6 text form (`::` compression, embedded IPv4 as in
 * `::ffff:192.0.2.1`) into words. Returns undefined for anything else, including IPv6 zone
 * indices (`fe80::1%eth0`) and IPv4 with leading zeros (`010.0.0.1`), as node:net rejects them.
 */
export function parseAddressWords(text: string): AddressWords | undefined {
  if (isIPv4(text)) return { version: 4, words: [ipv4Word(text)] };
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let hex = text;
  const lastColon = hex.lastIndexOf(':');
  if (hex.includes('.', lastColon)) {
    const v4 = ipv4Word(hex.slice(lastColon + 1));
    hex = `${hex.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const split = hex.indexOf('::');
  const groupsOf = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  let groups: number[];
  if (split < 0) groups = groupsOf(hex);
  else {
    const head = groupsOf(hex.slice(0, split));
    const tail = groupsOf(hex.slice(split + 2));
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const words: number[] = [];
  for (let k = 0; k < 4; k++) words.push(((groups[2 * k] << 16) | groups[2 * k + 1]) >>> 0);
  return { version: 6, words };
}

/** Mask (unsigned) of word k of an address for a prefix of `length` bits. */
export function prefixMask(length: number, k: number): number {
  const bits = Math.min(32, Math.max(0, length - 32 * k));
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** The words with every bit past the first `length` cleared (the prefix's network address). */
export function networkWords(words: readonly number[], length: number): number[] {
  return words.map((w, k) => (w & prefixMask(length, k)) >>> 0);
}

/**
 * Canonical text of an address: dotted quad for IPv4; for IPv6 the form glibc `inet_ntop` writes
 * (lower case, longest zero run as `::`), as used in metric labels elsewhere.
 */
export function formatAddressWords(a: AddressWords): string {
  if (a.version === 4) {
    const w = a.words[0];
    return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
  }
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  for (let k = 0; k < 4; k++) view.setUint32(4 * k, a.words[k]);
  return formatIPv6(bytes, 0);
}
