import { closeSync, constants, fstatSync, openSync, read, readSync, writeSync } from 'node:fs';
import { CaptureFileError } from './capture-file-error.ts';
import { packetStatsAddon } from './native-addon.ts';

/** Default size of the reused read buffer: 4 MiB. */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

/**
 * Capacity asked for a pipe or FIFO being read (Linux's default is 64 KiB): 1 MiB, the largest an
 * unprivileged process may set by default (/proc/sys/fs/pipe-max-size). Each read on the thread
 * pool then takes up to that much; at 64 KiB a fast writer's small packets cost ~30 % more CPU.
 */
export const PIPE_BYTES = 1024 * 1024;

/** Largest record or block a reader accepts (anything bigger is treated as corrupt): 64 MiB. */
export const MAX_RECORD_SIZE = 64 * 1024 * 1024;

/**
 * Room kept in front of a chunk read ahead for the unconsumed tail of the chunk before it: a
 * classic pcap record of the largest captured length (256 KiB) and its header. A bigger tail (a
 * huge pcapng block) is joined by copying instead.
 */
const TAIL_ROOM = 256 * 1024 + 64;

/**
 * A file read front to back in big chunks into one reused Buffer.
 *
 * Unconsumed bytes are `buf[start .. end)`; `buf[i]` is byte `base + i` of the file. A reader
 * parses records in place, advances `start` past what it consumed, then calls `refillAhead()`, which
 * moves the unconsumed tail to the front of the buffer (so bytes handed out earlier are
 * overwritten) and reads behind it until `chunkSize` bytes are unconsumed. The buffer is replaced
 * by a bigger one only when a single record needs more than it holds, and even then later chunks
 * hold at most `chunkSize` bytes (so at most chunkSize/16 packets); readers must re-read `buf`
 * after `refillAhead()`.
 * Reads are sequential (no positioned reads), so pipes such as /dev/stdin work too.
 *
 * `refillAhead()` (what readers call between chunks) reads the next chunk of a regular file on libuv's thread pool
 * into a second buffer while the caller parses the current one: the kernel's copy out of the
 * page cache (~0.1 s per 750 MB on the bench machine) runs on another core. Then `buf` alternates
 * between the two buffers, and bytes handed out earlier stay valid only until the next refill.
 * A pipe or FIFO is never read synchronously: refillAhead() waits for it on the thread pool when
 * the reader needs more and returns with what the pipe held (then reads ahead as for a file), so a
 * slow writer's packets are counted as they come and the event loop (the /metrics server during
 * `--read --serve`) never waits for the writer.
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
  /** A pipe or FIFO's capacity once widened (PIPE_BYTES), -errno if it could not be, 0 for anything else. */
  readonly pipeCapacity: number;
  readonly #fd: number;
  readonly #chunkSize: number;
  /** The buffer being read ahead into (from TAIL_ROOM on), and that read: bytes read, or the error. */
  #spare: Buffer | undefined;
  #ahead: Promise<number | NodeJS.ErrnoException> | undefined;
  #room: number;
  /**
   * A regular file (else a pipe, FIFO or device: read on the thread pool when the reader needs
   * more, #refillWaiting, as well as ahead).
   */
  readonly #regular: boolean;

  private constructor(path: string, fd: number, chunkSize: number) {
    this.path = path;
    this.#fd = fd;
    this.#chunkSize = chunkSize;
    this.#room = Math.min(TAIL_ROOM, chunkSize);
    const kind = fileKind(fd);
    this.#regular = kind === 'file';
    this.pipeCapacity = kind === 'pipe' ? widenPipe(fd) : 0;
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
   * Synchronous: for a regular file only (a pipe's read may wait for its writer).
   * @param need bytes the caller wants to see unconsumed (at most MAX_RECORD_SIZE + 16)
   * @returns true if at least `need` bytes are now unconsumed; false at end of file
   */
  #refill(need: number): boolean {
    this.#compact(need);
    const target = Math.max(need, this.#chunkSize);
    while (!this.eof && this.end < target) {
      const n = this.#read(this.end, target - this.end);
      if (n === 0) this.eof = true;
      this.end += n;
    }
    return this.end >= need;
  }

  /**
   * Refills as #refill() does, but what a read started by the previous call brought is taken
   * first, and the next chunk is then read ahead on the thread pool (until the end of the file):
   * call it between chunks. A pipe is never read synchronously (#refillWaiting).
   */
  async refillAhead(need: number): Promise<boolean> {
    const ahead = this.#ahead;
    if (ahead !== undefined) {
      this.#ahead = undefined;
      const got = await ahead;
      if (typeof got !== 'number') throw this.#readError(got);
      this.#join(got);
    }
    const ok = this.end - this.start >= need || (this.#regular ? this.#refill(need) : await this.#refillWaiting(need));
    if (!this.eof) this.#readAhead();
    return ok;
  }

  /**
   * #refill() for a pipe or FIFO: its reads run on the thread pool, so the event loop (/metrics,
   * OTLP pushes, the live page, SIGHUP) goes on while the writer is idle, and it returns as soon as
   * `need` bytes are unconsumed, with what the pipe held (a slow writer's packets are counted as
   * they come, not once a whole chunk has arrived).
   */
  async #refillWaiting(need: number): Promise<boolean> {
    this.#compact(need);
    while (!this.eof && this.end < need) {
      const n = await readOnPool(this.#fd, this.buf, this.end, this.buf.length - this.end);
      if (typeof n !== 'number') throw this.#readError(n);
      if (n === 0) this.eof = true;
      this.end += n;
    }
    return this.end >= need;
  }

  /**
   * Waits for a read ahead of a regular file still running (before close(): its descriptor must
   * stay open until it ends). A pipe's read may wait for its writer for ever: close() then closes
   * the descriptor when that read ends instead (the writer's next bytes or its close).
   */
  async settle(): Promise<void> {
    if (!this.#regular) return;
    await this.#ahead;
    this.#ahead = undefined;
  }

  /**
   * Closes the file descriptor (call settle() first), or has a pipe's pending read close it; never
   * throws. A reader that stopped early (damaged data) while the writer keeps the pipe open and
   * idle would leave that read waiting, and the process with it (libuv joins its threads at exit):
   * one byte written into the pipe through this process's own descriptor ends it. Only this
   * reader reads what is in the pipe, and it is discarding it.
   */
  close(): void {
    const pending = this.#ahead;
    this.#ahead = undefined;
    if (pending === undefined) {
      closeQuietly(this.#fd);
      return;
    }
    void pending.then(() => closeQuietly(this.#fd));
    if (this.pipeCapacity !== 0) wakeReader(this.#fd);
  }

  /** Moves the unconsumed bytes to the front of `buf` (grown first if `need` bytes would not fit). */
  #compact(need: number): void {
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
  }

  /** Starts reading the next chunk into the spare buffer, after room for the current tail. */
  #readAhead(): void {
    const size = this.#room + this.#chunkSize;
    if (this.#spare === undefined || this.#spare.length < size) this.#spare = Buffer.allocUnsafe(size);
    const spare = this.#spare;
    this.#ahead = readOnPool(this.#fd, spare, this.#room, this.#chunkSize);
  }

  /** Puts the unconsumed tail and the `n` bytes read ahead together in `buf`. */
  #join(n: number): void {
    const spare = this.#spare!;
    const left = this.end - this.start;
    if (n === 0) this.eof = true;
    if (left <= this.#room) {
      // The usual case: the tail goes just before the bytes read, and the buffers swap.
      const at = this.#room - left;
      this.buf.copy(spare, at, this.start, this.end);
      this.#spare = this.buf;
      this.buf = spare;
      this.base += this.end - this.#room;
      this.start = at;
      this.end = this.#room + n;
      return;
    }
    // A tail too big for the room (or the first chunk's buffer): append by copying.
    if (left + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(left + n);
      this.buf.copy(grown, 0, this.start, this.end);
      this.buf = grown;
    } else if (this.start > 0 && left > 0) {
      this.buf.copyWithin(0, this.start, this.end);
    }
    this.base += this.start;
    spare.copy(this.buf, left, this.#room, this.#room + n);
    this.start = 0;
    this.end = left + n;
  }

  #readError(err: unknown): CaptureFileError {
    return new CaptureFileError(this.path, `cannot read (${errorCode(err)})`, undefined, undefined, { cause: err });
  }

  #read(at: number, length: number): number {
    try {
      return readSync(this.#fd, this.buf, at, length, null);
    } catch (err) {
      throw this.#readError(err);
    }
  }
}

/** Writes one byte into the pipe `fd` reads (a FIFO or pipe: /proc/self/fd/N opens its write end), if it can. */
function wakeReader(fd: number): void {
  try {
    const w = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      writeSync(w, Buffer.alloc(1));
    } finally {
      closeSync(w);
    }
  } catch {
    // full (then the pending read returns anyway) or gone
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // nothing useful to do: the file was only read
  }
}

function fileKind(fd: number): 'file' | 'pipe' | 'other' {
  try {
    const st = fstatSync(fd);
    return st.isFile() ? 'file' : st.isFIFO() ? 'pipe' : 'other';
  } catch {
    return 'other';
  }
}

/** Asks for a PIPE_BYTES pipe (a failure only leaves it as it was): its capacity, or -errno. */
function widenPipe(fd: number): number {
  const addon = packetStatsAddon();
  if (typeof addon === 'string' || addon.pipeSize === undefined) return -38; // ENOSYS: an addon built before pipeSize
  return addon.pipeSize(fd, PIPE_BYTES);
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String(err);
}

/** One sequential read on the thread pool: the bytes read (0 at the end of the file), or the error. */
function readOnPool(fd: number, buf: Buffer, at: number, length: number): Promise<number | NodeJS.ErrnoException> {
  return new Promise((resolve) => read(fd, buf, at, length, null, (err, n) => resolve(err ?? n)));
}
