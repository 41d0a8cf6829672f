import { formatValue } from './exposition-lines.ts';

const DIGITS = new TextEncoder().encode('0123456789');
const HEX = new TextEncoder().encode('0123456789abcdef');

/**
 * Text lines gathered as UTF-8 bytes in one growing buffer, handed on as a string (take()): no
 * per-line strings on the way.
 */
export class LineBuffer {
  #buf: Buffer;
  #off = 0;

  constructor(size: number) {
    this.#buf = Buffer.allocUnsafe(size);
  }

  /** Bytes gathered. */
  get length(): number {
    return this.#off;
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.#off + n <= this.#buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#off + n));
    this.#buf.copy(bigger, 0, 0, this.#off);
    this.#buf = bigger;
  }

  /**
   * The bytes gathered so far, as a view of the buffer (no copy); the buffer is emptied. The view
   * holds its bytes only until the next append: lend it to a write and append again only once
   * that write is done with it.
   */
  view(): Buffer {
    const view = this.#buf.subarray(0, this.#off);
    this.#off = 0;
    return view;
  }

  /** The text gathered so far; the buffer is emptied. */
  take(): string {
    const text = this.#buf.toString('utf8', 0, this.#off);
    this.#off = 0;
    return text;
  }

  /** Appends `text` (any string). */
  text(text: string): void {
    this.reserve(text.length * 3);
    this.#off += this.#buf.write(text, this.#off, 'utf8');
  }

  /** Appends `text`, which is ASCII (call reserve() first). */
  ascii(text: string): void {
    this.#off += this.#buf.write(text, this.#off, 'latin1');
  }

  /** Appends `bytes` (call reserve() first). */
  bytes(bytes: Uint8Array): void {
    const buf = this.#buf;
    let off = this.#off;
    if (bytes.length > 24) {
      buf.set(bytes, off);
      off += bytes.length;
    } else {
      for (let i = 0; i < bytes.length; i++) buf[off++] = bytes[i];
    }
    this.#off = off;
  }

  /** Appends one byte (call reserve() first). */
  byte(b: number): void {
    this.#buf[this.#off++] = b;
  }

  /** Appends 0..255 in decimal (call reserve() first). */
  octet(n: number): void {
    const buf = this.#buf;
    if (n >= 100) {
      buf[this.#off++] = DIGITS[(n / 100) | 0];
      n %= 100;
      buf[this.#off++] = DIGITS[(n / 10) | 0];
    } else if (n >= 10) {
      buf[this.#off++] = DIGITS[(n / 10) | 0];
    }
    buf[this.#off++] = DIGITS[n % 10];
  }

  /** Appends 0..0xffff in lower-case hex without leading zeros (call reserve() first). */
  hex(n: number): void {
    const buf = this.#buf;
    if (n >= 0x1000) buf[this.#off++] = HEX[n >>> 12];
    if (n >= 0x100) buf[this.#off++] = HEX[(n >>> 8) & 0xf];
    if (n >= 0x10) buf[this.#off++] = HEX[(n >>> 4) & 0xf];
    buf[this.#off++] = HEX[n & 0xf];
  }

  /** Appends the IPv4 address in word `w` (first octet in the high byte) in dotted decimal (call reserve() first). */
  ipv4(w: number): void {
    const buf = this.#buf;
    let off = this.#off;
    for (let shift = 24; shift >= 0; shift -= 8) {
      let n = (w >>> shift) & 0xff;
      if (n >= 100) {
        const h = (n / 100) | 0;
        buf[off++] = 48 + h;
        n -= h * 100;
        const t = (n / 10) | 0;
        buf[off++] = 48 + t;
        n -= t * 10;
      } else if (n >= 10) {
        const t = (n / 10) | 0;
        buf[off++] = 48 + t;
        n -= t * 10;
      }
      buf[off++] = 48 + n;
      if (shift > 0) buf[off++] = 46;
    }
    this.#off = off;
  }

  /**
   * Appends the IPv6 address in words `words[at..at+3]` (first group in the high half of the first
   * word) as eight groups in lower-case hex without leading zeros, `:` between them, and the
   * `length` groups from `zeros` on as `::` (zeros < 0: none) (call reserve() first).
   */
  ipv6(words: Uint32Array, at: number, zeros: number, length: number): void {
    const buf = this.#buf;
    let off = this.#off;
    for (let i = 0; i < 8; i++) {
      if (i === zeros) {
        buf[off++] = 58;
        if (i === 0) buf[off++] = 58;
        i += length - 1;
        continue;
      }
      const w = words[at + (i >> 1)];
      const n = (i & 1) === 0 ? w >>> 16 : w & 0xffff;
      if (n >= 0x1000) buf[off++] = HEX[n >>> 12];
      if (n >= 0x100) buf[off++] = HEX[(n >>> 8) & 0xf];
      if (n >= 0x10) buf[off++] = HEX[(n >>> 4) & 0xf];
      buf[off++] = HEX[n & 0xf];
      if (i < 7) buf[off++] = 58;
    }
    this.#off = off;
  }

  /** Appends a sample value as the serializer writes it (call reserve() first). */
  number(v: number): void {
    if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v)) {
      this.ascii(formatValue(v));
      return;
    }
    const buf = this.#buf;
    let digits = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
    let i = this.#off + digits;
    this.#off = i;
    do {
      const q = Math.floor(v / 10);
      buf[--i] = DIGITS[v - q * 10];
      v = q;
    } while (v > 0);
  }
}
