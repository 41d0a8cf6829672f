/**
 * Turns a generated valid frame into what the fuzzers feed: placed at a random offset in a buffer
 * with junk around it, then either left valid (possibly cut by a snaplen that keeps every header
 * the decoder reads) or mutated 1–3 times: bit flips, byte replacement with values that steer
 * decoders, truncation at random lengths, wrong length / type / count fields, a random link type,
 * a random wire length, random garbage, or bytes inserted / deleted inside the headers.
 */
import { LinkType } from '../../src/decode/link-type.ts';
import { type BuiltFrame, MAX_FRAME } from './built-frame.ts';
import type { Prng } from '../support/prng.ts';

/** What was done to a frame; a frame may carry several (bit set of 1 << kind). */
export const Mutation = {
  NONE: 0, SNAPLEN: 1, BIT_FLIP: 2, BYTE_SET: 3, TRUNCATE: 4, LENGTH_FIELD: 5, LINK_TYPE: 6, WIRE_LENGTH: 7,
  GARBAGE: 8, SPLICE: 9,
} as const;

/** Names by Mutation value. */
export const MUTATION_NAMES: readonly string[] = [
  'none (valid)', 'snaplen (valid)', 'bit flip', 'byte replacement', 'truncation', 'length/type field', 'link type',
  'wire length', 'garbage', 'insert/delete bytes',
];

/** Weights of the mutation kinds BIT_FLIP .. SPLICE. */
const KIND_WEIGHTS = [20, 20, 15, 22, 8, 8, 3, 6];
const KIND_TOTAL = KIND_WEIGHTS.reduce((a, b) => a + b, 0);
/** Byte values that steer decoders into their branches (tags, versions, lengths, next headers). */
const INTERESTING = [0, 1, 2, 4, 6, 8, 0x11, 0x21, 0x2c, 0x33, 0x3a, 0x3b, 0x3c, 0x40, 0x45, 0x4f, 0x57, 0x60, 0x7f,
  0x80, 0x81, 0x86, 0x87, 0x88, 0x91, 0xa8, 0xaa, 0xc2, 0xdd, 0xfe, 0xff];
const SUPPORTED_LINK_TYPES: readonly number[] = Object.values(LinkType);
const ODD_LINK_TYPES = [2, 10, 50, 105, 127, 192, 204, 220, 263, 0xffff, 0x10001, -1, 0x7fffffff];
/** Junk bytes kept around the frame in the buffer. */
const MARGIN = 32;

/** A frame as fed: `buf[offset .. offset + capLen)` with its wire length and link type. */
export class FuzzFrame {
  readonly buf = new Uint8Array(MAX_FRAME + 2 * MARGIN + 64);
  offset = 0;
  capLen = 0;
  wireLen = 0;
  linkType = 0;
  /** Bit set of (1 << Mutation) applied; 1 << NONE or 1 << SNAPLEN alone means still valid. */
  mutations = 0;
  /** True when the decoder must report exactly what the BuiltFrame expects. */
  valid = false;

  /** The captured bytes as hex (for failure messages). */
  hex(): string {
    return Buffer.from(this.buf.buffer, this.offset, this.capLen).toString('hex');
  }

  /** One line describing the frame, for failure messages. */
  describe(): string {
    const kinds = MUTATION_NAMES.filter((_, i) => (this.mutations & (1 << i)) !== 0).join('+');
    return `link type ${this.linkType}, offset ${this.offset}, captured ${this.capLen}, wire ${this.wireLen}, ` +
      `mutations ${kinds}, bytes ${this.hex()}`;
  }
}

/** Applies seeded mutations; one instance per fuzz run. */
export class Mutator {
  readonly #rng: Prng;
  /** Share of frames left valid (half of them cut by a harmless snaplen). */
  validShare = 0.3;
  /** Whether LINK_TYPE mutations may change the frame's link type (not for file records). */
  linkTypeMutations = true;

  constructor(rng: Prng) {
    this.#rng = rng;
  }

  /** Places `f` into `out` and mutates it (or not); sets every field of `out`. */
  mutate(f: BuiltFrame, out: FuzzFrame): void {
    const rng = this.#rng;
    const offset = rng.int(16);
    const buf = out.buf;
    rng.fill(buf, 0, offset);
    buf.set(f.data.subarray(0, f.length), offset);
    out.offset = offset;
    out.capLen = f.length;
    out.wireLen = f.wireLength;
    out.linkType = f.linkType;
    if (rng.chance(this.validShare)) {
      out.valid = true;
      out.mutations = 1 << Mutation.NONE;
      if (rng.chance(0.5)) {
        out.capLen = rng.range(f.needEnd, f.length);
        out.mutations = 1 << Mutation.SNAPLEN;
      }
    } else {
      out.valid = false;
      out.mutations = 0;
      const count = rng.range(1, 3);
      for (let i = 0; i < count; i++) {
        let kind = Mutation.BIT_FLIP + rng.weighted(KIND_WEIGHTS, KIND_TOTAL);
        if (kind === Mutation.LINK_TYPE && !this.linkTypeMutations) kind = Mutation.BYTE_SET;
        this.#apply(kind, f, out);
        out.mutations |= 1 << kind;
      }
    }
    rng.fill(buf, out.offset + out.capLen, out.offset + out.capLen + MARGIN);
  }

  #apply(kind: number, f: BuiltFrame, out: FuzzFrame): void {
    const rng = this.#rng;
    const buf = out.buf;
    const o = out.offset;
    const len = out.capLen;
    switch (kind) {
      case Mutation.BIT_FLIP:
        for (let n = rng.range(1, 8); n > 0 && len > 0; n--) buf[o + this.#position(len)] ^= 1 << rng.int(8);
        break;
      case Mutation.BYTE_SET:
        for (let n = rng.range(1, 6); n > 0 && len > 0; n--) {
          buf[o + this.#position(len)] = rng.chance(0.6) ? rng.pick(INTERESTING) : rng.int(256);
        }
        break;
      case Mutation.TRUNCATE:
        out.capLen = rng.chance(0.6) ? rng.int(Math.min(len, 80) + 1) : rng.int(len + 1);
        break;
      case Mutation.LENGTH_FIELD:
        this.#lengthField(f, out);
        break;
      case Mutation.LINK_TYPE:
        out.linkType = rng.chance(0.7) ? rng.pick(SUPPORTED_LINK_TYPES) : rng.pick(ODD_LINK_TYPES);
        break;
      case Mutation.WIRE_LENGTH:
        out.wireLen = this.#wireLength(len);
        break;
      case Mutation.GARBAGE:
        out.capLen = rng.int(rng.chance(0.5) ? 64 : 400);
        rng.fill(buf, o, o + out.capLen);
        if (rng.chance(0.5)) out.wireLen = out.capLen;
        break;
      case Mutation.SPLICE: {
        const at = this.#position(len);
        const n = rng.range(1, 8);
        if (rng.chance(0.5) && len + n <= MAX_FRAME) {
          buf.copyWithin(o + at + n, o + at, o + len);
          rng.fill(buf, o + at, o + at + n);
          out.capLen = len + n;
        } else {
          const cut = Math.min(n, len - at);
          buf.copyWithin(o + at, o + at + cut, o + len);
          out.capLen = len - cut;
        }
        break;
      }
    }
  }

  /** A position in `[0, len)`, biased to the first 80 bytes where the headers are. */
  #position(len: number): number {
    return this.#rng.chance(0.75) ? this.#rng.int(Math.min(len, 80)) : this.#rng.int(len);
  }

  /** Overwrites one recorded length / type / count field with a boundary or random value. */
  #lengthField(f: BuiltFrame, out: FuzzFrame): void {
    const rng = this.#rng;
    if (f.fieldCount === 0) return;
    const i = rng.int(f.fieldCount);
    const at = out.offset + f.fieldAt[i];
    if (f.fieldAt[i] + f.fieldSize[i] > out.capLen) return;
    const buf = out.buf;
    switch (f.fieldSize[i]) {
      case 1:
        buf[at] = rng.chance(0.5) ? rng.pick(INTERESTING) : (buf[at] + rng.range(-3, 3)) & 0xff;
        break;
      case 2: {
        const old = (buf[at] << 8) | buf[at + 1];
        const v = rng.pick([0, 1, 4, 8, 19, 20, 39, 40, 41, 0x5ff, 0x600, 0x7fff, 0xfffe, 0xffff,
          old + rng.range(-8, 8), old * 2, rng.int(0x10000)]) & 0xffff;
        buf[at] = v >>> 8;
        buf[at + 1] = v;
        break;
      }
      default: {
        const v = rng.pick([0, 1, 40, 0xffff, 0x10000, 0x7fffffff, 0xffffffff, rng.next()]);
        buf[at] = v >>> 24;
        buf[at + 1] = v >>> 16;
        buf[at + 2] = v >>> 8;
        buf[at + 3] = v;
      }
    }
  }

  #wireLength(capLen: number): number {
    const rng = this.#rng;
    switch (rng.int(8)) {
      case 0: return 0;
      case 1: return capLen > 0 ? rng.int(capLen) : 0;
      case 2: return capLen + rng.int(64);
      case 3: return rng.pick([0xffff, 0x10000, 0x10027, 0x10028, 0x10029, 0x10030]) + rng.int(64);
      case 4: return rng.int(1 << 20);
      case 5: return rng.chance(0.05) ? 0xffffffff : rng.int(1 << 24);
      default: return capLen;
    }
  }
}
