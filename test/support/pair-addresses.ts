/**
 * The address plan of the generated per-pair captures (test/support/pairs-capture.ts): pair
 * index i → (family, source, destination, protocol, VLAN, scan or not), and back from the two
 * address texts otelacct prints to i. The inverse is what lets a checker hold the truth of a
 * million pairs in typed arrays indexed by i instead of a Map of strings.
 *
 * Every address is inside or outside deploy/otelacct.yaml's local networks by construction:
 *  - a normal pair joins one of `hosts` local hosts (10/8, 172.16/12, 192.168/16, 100.64/10, and
 *    fd00::/8 for IPv6) with a remote peer of its own that encodes i (IPv4 11, 23, 45, 81, 151,
 *    203/8 with i scrambled; IPv6 2a02:X:i_hi:i_lo::1), in either direction;
 *  - a scan pair (blocks of 4096 consecutive indices, a `scanShare` of the blocks) is one remote
 *    scanner per block (185.0.b.b / 2a0c::b) sending to consecutive local addresses that encode
 *    i (10.i / fd5c::i), so a scan also creates one local host per pair, as a real one does.
 */

/** Options of the plan. */
export interface PairPlanOptions {
  /** Pairs: at most 2^24. */
  pairs: number;
  seed: number;
  /** Local hosts of the normal pairs (at least 1, at most 2^17). */
  hosts: number;
  /** Share (0..1) of normal pairs that are IPv6 (scan blocks use the same share). */
  ipv6Share: number;
  /** Share (0..1) of normal pairs carried in one 802.1Q tag. */
  vlanShare: number;
  /** Share (0..1) of 4096-pair blocks that are address scans. */
  scanShare: number;
}

/** What `PairPlan.fill` writes: one pair, numerically (no strings). */
export interface PairFields {
  v6: boolean;
  /** 0: untagged, else the VLAN id. */
  vlan: number;
  /** 6, 17, 1 or 58. */
  proto: number;
  scan: boolean;
  /** IPv4: src4/dst4 as unsigned 32-bit. IPv6: src6/dst6 as 8 16-bit groups. */
  src4: number;
  dst4: number;
  src6: Uint16Array;
  dst6: Uint16Array;
}

/** The largest number of pairs a plan encodes. */
export const MAX_PAIRS = 1 << 24;
const REMOTE_TOPS = [11, 23, 45, 81, 151, 203];
const LOCAL4 = [0x0a000000, 0xac100000, 0xc0a80000, 0x64400000];
const SCANNER4_TOP = 185;
const REMOTE6 = 0x2a02;
const SCANNER6 = 0x2a0c;
const SCAN6 = 0xfd5c;
const LOCAL6 = 0xfd00;
const MASK24 = 0xffffff;
const MUL_A = 0x9e3779 | 1;
const MUL_B = 0x85ebcb | 1;
const REMOTE_XOR = 0x3a5c6e;

/** Inverse of an odd number modulo 2^24 (Newton iteration). */
function inverse24(a: number): number {
  let x = a;
  for (let k = 0; k < 5; k++) x = Math.imul(x, 2 - Math.imul(a, x)) & MASK24;
  return x;
}
const INV_A = inverse24(MUL_A);
const INV_B = inverse24(MUL_B);

/** A bijection of [0, 2^24) (multiply, xor-shift, multiply). */
function perm24(x: number): number {
  x = Math.imul(x, MUL_A) & MASK24;
  x ^= x >>> 12;
  return Math.imul(x, MUL_B) & MASK24;
}

function unperm24(y: number): number {
  let x = Math.imul(y, INV_B) & MASK24;
  x ^= x >>> 12;
  return Math.imul(x, INV_A) & MASK24;
}

/** A 32-bit hash of (x, salt) (murmur3 finalizer). */
function mix(x: number, salt: number): number {
  let h = (x ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const unit = (h: number): number => h / 4294967296;

/** The address plan (see the module comment). */
export class PairPlan {
  readonly o: PairPlanOptions;
  readonly #scratch: PairFields = { v6: false, vlan: 0, proto: 6, scan: false, src4: 0, dst4: 0, src6: new Uint16Array(8), dst6: new Uint16Array(8) };

  constructor(o: PairPlanOptions) {
    if (!Number.isSafeInteger(o.pairs) || o.pairs < 1 || o.pairs > MAX_PAIRS) throw new Error(`pair plan: pairs must be 1..${MAX_PAIRS}, got ${o.pairs}`);
    if (!Number.isSafeInteger(o.hosts) || o.hosts < 1 || o.hosts > 1 << 17) throw new Error(`pair plan: hosts must be 1..${1 << 17}, got ${o.hosts}`);
    this.o = o;
  }

  /** Whether pair i belongs to a scan block. */
  isScan(i: number): boolean {
    return unit(mix(i >>> 12, this.o.seed ^ 0x5ca1)) < this.o.scanShare;
  }

  /** Fills (and returns) a scratch PairFields for pair i; valid until the next call. */
  fill(i: number): PairFields {
    const f = this.#scratch;
    const seed = this.o.seed;
    f.scan = this.isScan(i);
    if (f.scan) {
      const b = i >>> 12;
      f.v6 = unit(mix(b, seed ^ 0x6a)) < this.o.ipv6Share;
      f.vlan = 0;
      f.proto = 6;
      if (f.v6) {
        setGroups(f.src6, SCANNER6, 0, b >>> 16, b & 0xffff, 0, 0, 0, 1);
        setGroups(f.dst6, SCAN6, 0, 0, 0, 0, 0, i >>> 16, i & 0xffff);
      } else {
        f.src4 = ((SCANNER4_TOP << 24) | b) >>> 0;
        f.dst4 = (LOCAL4[0] | i) >>> 0;
      }
      return f;
    }
    const h = mix(i, seed);
    const g = mix(i, seed ^ 0x7777);
    f.v6 = unit(h) < this.o.ipv6Share;
    f.vlan = unit(mix(i, seed ^ 0x11)) < this.o.vlanShare ? 1 + (g % 4094) : 0;
    const p = unit(mix(i, seed ^ 0x22));
    f.proto = p < 0.8 ? 6 : p < 0.98 ? 17 : f.v6 ? 58 : 1;
    const host = g % this.o.hosts;
    const inbound = (h & 1) === 1;
    if (f.v6) {
      const local = f.src6;
      const remote = f.dst6;
      setGroups(local, LOCAL6, 0, 0, 1 + (host & 3), 0, 0, 0x100 + (host >>> 16), host & 0xffff);
      setGroups(remote, REMOTE6, h >>> 16, i >>> 16, i & 0xffff, 0, 0, 0, 1);
      if (inbound) swapGroups(local, remote);
      return f;
    }
    const local = (LOCAL4[host & 3] + 1 + (host >>> 2)) >>> 0;
    const remote = ((REMOTE_TOPS[i % 6] << 24) | (perm24(Math.floor(i / 6)) ^ REMOTE_XOR)) >>> 0;
    f.src4 = inbound ? remote : local;
    f.dst4 = inbound ? local : remote;
    return f;
  }

  /**
   * The pair index of (src, dst) as otelacct prints them (IPv4 dotted quad, IPv6 in any text
   * form), or -1 when the plan has no such pair.
   */
  indexOf(src: string, dst: string): number {
    const v6 = src.includes(':');
    if (v6 !== dst.includes(':')) return -1;
    let i: number;
    if (v6) {
      const s = parseGroups(src, this.#a);
      const d = parseGroups(dst, this.#b);
      if (s === undefined || d === undefined) return -1;
      if (s[0] === SCANNER6) i = d[6] * 65536 + d[7];
      else if (s[0] === REMOTE6) i = s[2] * 65536 + s[3];
      else if (d[0] === REMOTE6) i = d[2] * 65536 + d[3];
      else return -1;
      if (i >= this.o.pairs) return -1;
      const f = this.fill(i);
      return f.v6 && equalGroups(f.src6, s) && equalGroups(f.dst6, d) ? i : -1;
    }
    const s = parse4(src);
    const d = parse4(dst);
    if (s < 0 || d < 0) return -1;
    if (s >>> 24 === SCANNER4_TOP) {
      i = d & MASK24;
    } else {
      const remote = REMOTE_TOPS.includes(s >>> 24) ? s : d;
      const k = REMOTE_TOPS.indexOf(remote >>> 24);
      if (k < 0) return -1;
      i = unperm24((remote & MASK24) ^ REMOTE_XOR) * 6 + k;
    }
    if (i >= this.o.pairs) return -1;
    const f = this.fill(i);
    return !f.v6 && f.src4 === s && f.dst4 === d ? i : -1;
  }

  readonly #a = new Uint16Array(8);
  readonly #b = new Uint16Array(8);

  /** "src,dst" of pair i (IPv6 uncompressed), for messages. */
  text(i: number): string {
    const f = this.fill(i);
    const t4 = (a: number) => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
    const t6 = (g: Uint16Array) => [...g].map((x) => x.toString(16)).join(':');
    return f.v6 ? `${t6(f.src6)},${t6(f.dst6)}` : `${t4(f.src4)},${t4(f.dst4)}`;
  }
}

function setGroups(out: Uint16Array, ...g: number[]): void {
  for (let k = 0; k < 8; k++) out[k] = g[k];
}

function swapGroups(a: Uint16Array, b: Uint16Array): void {
  for (let k = 0; k < 8; k++) {
    const t = a[k];
    a[k] = b[k];
    b[k] = t;
  }
}

function equalGroups(a: Uint16Array, b: Uint16Array): boolean {
  for (let k = 0; k < 8; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** Dotted quad → unsigned 32-bit, or -1. */
function parse4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return -1;
  let v = 0;
  for (const p of parts) {
    const n = Number(p);
    if (!(p !== '' && Number.isInteger(n) && n >= 0 && n <= 255)) return -1;
    v = v * 256 + n;
  }
  return v;
}

/** IPv6 text (with `::`, no embedded IPv4) → 8 groups in `out`, or undefined. */
function parseGroups(text: string, out: Uint16Array): Uint16Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const left = halves[0] === '' ? [] : halves[0].split(':');
  const right = halves.length === 1 || halves[1] === '' ? [] : halves[1].split(':');
  const zeros = 8 - left.length - right.length;
  if (halves.length === 1 ? zeros !== 0 : zeros < 1) return undefined;
  const words = [...left, ...Array<string>(zeros).fill('0'), ...right];
  for (let k = 0; k < 8; k++) {
    const n = parseInt(words[k], 16);
    if (!/^[0-9a-fA-F]{1,4}$/.test(words[k])) return undefined;
    out[k] = n;
  }
  return out;
}
