/**
 * The networks file's fast path (networks-file.ts): the lines a BGP table is made of, read
 * without regexes or temporary strings, and the shared vocabulary of both parsers.
 */
import type { PrefixEntry } from './prefix-trie.ts';

/** Longest name (otelacct name or pmacct label) in characters. */
export const MAX_NETWORK_NAME_LENGTH = 128;
/** An otelacct network name. */
export const NAME = /^[A-Za-z0-9._:/-]+$/;
/** Largest AS number. */
export const MAX_AS = 4294967295;

/** Where parsed lines go: a whole entry, or the fast path's IPv4 network. */
export interface Sink {
  entry(e: PrefixEntry): void;
  /** An IPv4 network named `name`, or `AS<as>` when `as` is not -1. */
  v4(word: number, length: number, name: string, as: number): void;
}

/** Index just past the decimal digits of `s` from `i`, at most `max` of them. */
function digitsEnd(s: string, i: number, max: number): number {
  let j = i;
  for (let c = s.charCodeAt(j); c >= 48 && c <= 57 && j - i < max; c = s.charCodeAt(++j));
  return j;
}

/** Value of the decimal digits s[i..end). */
function digitsValue(s: string, i: number, end: number): number {
  let v = 0;
  for (let j = i; j < end; j++) v = v * 10 + s.charCodeAt(j) - 48;
  return v;
}

/**
 * The fast path for the lines a BGP table is made of — `<AS>,<IPv4 net>`, `<IPv4 net>`,
 * `<IPv4 net> <name>` in canonical form (no leading zeros, no host bits, no comment) — without
 * regexes or temporary strings. Returns false for anything else, which the full parser then
 * reads (and reports, when it is wrong): both give the same entries.
 */
export function fastLine(line: string, sink: Sink): boolean {
  const n = line.length;
  let i = 0;
  let as = -1;
  let end = digitsEnd(line, 0, 11);
  if (line.charCodeAt(end) === 44) { // ,
    if (end === 0 || end > 10) return false;
    as = digitsValue(line, 0, end);
    if (as > MAX_AS) return false;
    i = end + 1;
  }
  const netStart = i;
  let word = 0;
  for (let k = 0; k < 4; k++) {
    end = digitsEnd(line, i, 4);
    const digits = end - i;
    const d = digitsValue(line, i, end);
    if (digits === 0 || digits > 3 || d > 255 || (digits > 1 && line.charCodeAt(i) === 48)) return false;
    word = word * 256 + d;
    i = end;
    if (k < 3) {
      if (line.charCodeAt(i) !== 46) return false; // .
      i++;
    }
  }
  if (line.charCodeAt(i) !== 47) return false; // /
  end = digitsEnd(line, i + 1, 3);
  const ld = end - i - 1;
  const length = digitsValue(line, i + 1, end);
  if (ld === 0 || ld > 2 || length > 32 || (ld > 1 && line.charCodeAt(i + 1) === 48)) return false;
  if (length < 32 && word % 2 ** (32 - length) !== 0) return false;
  i = end;
  if (i === n) {
    sink.v4(word, length, as >= 0 ? '' : netStart === 0 ? line : line.slice(netStart), as);
    return true;
  }
  const c = line.charCodeAt(i);
  if (as >= 0 || (c !== 32 && c !== 9) || line.includes('#', i)) return false;
  const name = line.slice(i).trim();
  if (name.length > MAX_NETWORK_NAME_LENGTH || !NAME.test(name)) return false;
  sink.v4(word, length, name, -1);
  return true;
}

