import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** How long a read of a pipe, FIFO or device may wait for data before it fails: 5 s. */
export const PIPE_WAIT_MS = 5_000;

/** Why a file could not be read whole: `message` says it in a few words, without the path. */
export class LimitedReadError extends Error {
  override name = 'LimitedReadError';
}

/** `bytes` as "1 MiB", "256 MiB" or "512 bytes". */
export function sizeText(bytes: number): string {
  return bytes >= 1 << 20 && bytes % (1 << 20) === 0 ? `${bytes / (1 << 20)} MiB` : `${bytes} bytes`;
}

/**
 * Reads all of `path`, at most `maxBytes` of it, without ever blocking for long: the file is
 * opened non-blocking, so a FIFO that nobody writes to cannot stall the open, and a pipe, FIFO
 * or device (`/dev/stdin`, `<(…)`) that gives no data for `waitMs` fails instead of hanging. An
 * endless source (`/dev/zero`) fails once it passes `maxBytes`. Synchronous: meant for small
 * configuration files, where a few seconds of waiting in the worst case are acceptable.
 * @throws LimitedReadError `cannot read (ENOENT)`, `cannot read (EISDIR)`, `larger than 1 MiB`,
 *   `no data within 5 s (a FIFO nobody writes to?)`
 */
export function readLimited(path: string, maxBytes: number, waitMs: number = PIPE_WAIT_MS): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw new LimitedReadError(`cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new LimitedReadError('cannot read (EISDIR)');
    if (st.isFile() && st.size > maxBytes) throw new LimitedReadError(`larger than ${sizeText(maxBytes)}`);
    const stream = !st.isFile();
    const chunks: Buffer[] = [];
    let total = 0;
    const deadline = Date.now() + waitMs;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
      // A regular file in one read, when its size holds; anything else in 64 KiB steps.
      const buf = Buffer.allocUnsafe(Math.min(Math.max(64 * 1024, stream ? 0 : st.size + 1 - total), maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') throw new LimitedReadError(`cannot read (${code ?? String(err)})`, { cause: err });
        n = -1; // nothing yet
      }
      // A FIFO opened non-blocking reads as ended until a writer comes: wait for one as for data.
      if (n < 0 || (n === 0 && total === 0 && st.isFIFO())) {
        if (Date.now() >= deadline) throw new LimitedReadError(`no data within ${waitMs / 1000} s (a FIFO nobody writes to?)`);
        Atomics.wait(pause, 0, 0, 20);
        continue;
      }
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new LimitedReadError(`larger than ${sizeText(maxBytes)}${stream ? ' (read from a pipe or device)' : ''}`);
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
