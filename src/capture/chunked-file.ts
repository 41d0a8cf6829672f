import { closeSync, openSync, readSync } from 'node:fs';
import { CaptureFileError } from './capture-file-error.ts';

/** Default size of the reused read buffer: 4 MiB. */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

/** Largest record or block a reader accepts (anything bigger is treated as corrupt): 64 MiB. */
export const MAX_RECORD_SIZE = 64 * 1024 * 1024;

/**
 * A file read front to back in big chunks into one reused Buffer.
 *
 * Unconsumed bytes are `buf[start .. end)`; `buf[i]` is byte `base + i` of the file. A reader
 * parses records in place, advances `start` past what it consumed, then calls `refill()`, which
 * moves the unconsumed tail to the front of the buffer (so bytes handed out earlier are
 * overwritten) and reads behind it until `chunkSize` bytes are unconsumed. The buffer is replaced
 * by a bigger one only when a single record needs more than it holds, and even then later chunks
 * hold at most `chunkSize` bytes (so at most chunkSize/16 packets); readers must re-read `buf`
 * after `refill()`.
 * Reads are sequential (no positioned reads), so pipes such as /dev/stdin work too.
 */
export class ChunkedFile {
  /** The file's path, for error messages. */
  readonly path: string;
  /** Current buffer (replaced only when it grows). */
  buf: Buffer;
  /** Index in `buf` of the first unconsumed byte. */
  start = 0;
  /** Index in `buf` one past the last byte read. */
  end = 0;
  /** File offset of `buf[0]`. */
  base = 0;
  /** True once a read returned 0 bytes (nothing after `end`). */
  eof = false;
  readonly #fd: number;
  readonly #chunkSize: number;

  private constructor(path: string, fd: number, chunkSize: number) {
    this.path = path;
    this.#fd = fd;
    this.#chunkSize = chunkSize;
    this.buf = Buffer.allocUnsafe(chunkSize);
  }

  /**
   * Opens `path` for reading, or takes over `fd` (already open on `path`; closed by close()).
   * Failures become a CaptureFileError `<path>: cannot open (CODE)`.
   */
  static open(path: string, chunkSize: number = DEFAULT_CHUNK_SIZE, fd?: number): ChunkedFile {
    if (fd !== undefined) return new ChunkedFile(path, fd, Math.max(1, Math.floor(chunkSize)));
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw new CaptureFileError(path, `cannot open (${errorCode(err)})`, undefined, undefined, { cause: err });
    }
    return new ChunkedFile(path, fd, Math.max(1, Math.floor(chunkSize)));
  }

  /** Bytes not yet consumed in the buffer. */
  get available(): number {
    return this.end - this.start;
  }

  /**
   * Compacts the unconsumed bytes to the front of the buffer (growing it first if `need` bytes
   * would not fit), then reads until max(need, chunkSize) bytes are unconsumed or the file ends.
   * @param need bytes the caller wants to see unconsumed (at most MAX_RECORD_SIZE + 16)
   * @returns true if at least `need` bytes are now unconsumed; false at end of file
   */
  refill(need: number): boolean {
    const left = this.end - this.start;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, Math.min(this.buf.length * 2, MAX_RECORD_SIZE + 16)));
      this.buf.copy(grown, 0, this.start, this.end);
      this.buf = grown;
    } else if (this.start > 0 && left > 0) {
      this.buf.copyWithin(0, this.start, this.end);
    }
    this.base += this.start;
    this.start = 0;
    this.end = left;
    const target = Math.max(need, this.#chunkSize);
    while (!this.eof && this.end < target) {
      const n = this.#read(this.end, target - this.end);
      if (n === 0) this.eof = true;
      this.end += n;
    }
    return this.end >= need;
  }

  /** Closes the file descriptor; never throws. */
  close(): void {
    try {
      closeSync(this.#fd);
    } catch {
      // nothing useful to do: the file was only read
    }
  }

  #read(at: number, length: number): number {
    try {
      return readSync(this.#fd, this.buf, at, length, null);
    } catch (err) {
      throw new CaptureFileError(this.path, `cannot read (${errorCode(err)})`, undefined, undefined, { cause: err });
    }
  }
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String(err);
}
