import { closeSync, openSync, writeSync } from 'node:fs';

/** Bytes a file-backed ByteOutput keeps before writing them out: 1 MiB. */
const FLUSH_SIZE = 1024 * 1024;

/**
 * Append-only byte builder for the test writers: in memory (read with `toBuffer()`), or
 * streaming to a file (truncated on open) in 1 MiB writes so that millions of packets never sit
 * in memory (finish with `close()`). Integers are written in the byte order asked for.
 */
export class ByteOutput {
  #buf: Buffer;
  #len = 0;
  #flushed = 0;
  readonly #fd: number | undefined;

  /** @param path file to stream to; omit to build in memory */
  constructor(path?: string) {
    this.#fd = path === undefined ? undefined : openSync(path, 'w');
    this.#buf = Buffer.alloc(path === undefined ? 4096 : FLUSH_SIZE + 65536);
  }

  /** Total bytes written so far (flushed or not). */
  get length(): number {
    return this.#flushed + this.#len;
  }

  /** Appends a 16-bit unsigned integer. */
  u16(value: number, le: boolean): void {
    this.#reserve(2);
    if (le) this.#buf.writeUInt16LE(value & 0xffff, this.#len);
    else this.#buf.writeUInt16BE(value & 0xffff, this.#len);
    this.#len += 2;
  }

  /** Appends a 32-bit unsigned integer (taken modulo 2^32). */
  u32(value: number, le: boolean): void {
    this.#reserve(4);
    if (le) this.#buf.writeUInt32LE(value >>> 0, this.#len);
    else this.#buf.writeUInt32BE(value >>> 0, this.#len);
    this.#len += 4;
  }

  /** Appends `bytes[start .. end)`. */
  bytes(bytes: Uint8Array, start = 0, end = bytes.length): void {
    this.#reserve(end - start);
    this.#buf.set(bytes.subarray(start, end), this.#len);
    this.#len += end - start;
  }

  /** Appends `count` zero bytes. */
  zeros(count: number): void {
    this.#reserve(count);
    this.#buf.fill(0, this.#len, this.#len + count);
    this.#len += count;
  }

  /** Everything written, as a new Buffer (in-memory mode only). */
  toBuffer(): Buffer {
    if (this.#fd !== undefined) throw new Error('byte output: toBuffer() on a file-backed output');
    return Buffer.from(this.#buf.subarray(0, this.#len));
  }

  /** Writes out what is buffered and closes the file (no-op in memory mode). */
  close(): void {
    if (this.#fd === undefined) return;
    this.#flush();
    closeSync(this.#fd);
  }

  #reserve(count: number): void {
    if (this.#len + count <= this.#buf.length) return;
    if (this.#fd !== undefined) this.#flush();
    if (this.#len + count <= this.#buf.length) return;
    const grown = Buffer.alloc(Math.max(this.#buf.length * 2, this.#len + count));
    this.#buf.copy(grown, 0, 0, this.#len);
    this.#buf = grown;
  }

  #flush(): void {
    if (this.#fd === undefined) return;
    let done = 0;
    while (done < this.#len) done += writeSync(this.#fd, this.#buf, done, this.#len - done);
    this.#flushed += this.#len;
    this.#len = 0;
  }

  /** Flushes to the file once 1 MiB is buffered (called by the writers after each record). */
  maybeFlush(): void {
    if (this.#fd !== undefined && this.#len >= FLUSH_SIZE) this.#flush();
  }
}
