import { fstatSync, write as fsWrite, writeSync } from 'node:fs';
import type { Write } from './final-output.ts';

/**
 * Whether `fd` is a regular file (fileWrite's case); false when it is a pipe, a terminal, a
 * socket, or cannot be inspected.
 */
export function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

/**
 * A Write to the regular file open as `fd`, at its current offset: a byte chunk is written on
 * libuv's thread pool (fs.write), so the kernel's copy into the page cache (with fresh pages, ~1 s
 * for the 600 MB of 1M pairs on the bench machine) runs on another core while the caller formats
 * the next chunk; the returned promise settles when every byte of the chunk is written, and the
 * chunk is the caller's again. A string (small: headers, self-telemetry) is written at once, in
 * order after any chunk still being written. Writes happen in call order. After an error `failed`
 * is called once and every later write is dropped (as stdout's writer does on EPIPE).
 */
export function fileWrite(fd: number, failed: (err: NodeJS.ErrnoException) => void): Write {
  let broken = false;
  let inFlight = 0;
  let tail: Promise<void> = Promise.resolve();
  const fail = (err: NodeJS.ErrnoException): void => {
    if (!broken) failed(err);
    broken = true;
  };
  const text = (chunk: string): void => {
    const b = Buffer.from(chunk, 'utf8');
    try {
      for (let at = 0; at < b.length && !broken;) at += writeSync(fd, b, at, b.length - at);
    } catch (err) {
      fail(err as NodeJS.ErrnoException);
    }
  };
  const bytes = (chunk: Uint8Array): Promise<void> => new Promise((resolve) => {
    const from = (at: number): void => {
      if (broken || at >= chunk.length) {
        resolve();
        return;
      }
      fsWrite(fd, chunk, at, chunk.length - at, null, (err, written) => {
        if (err) fail(err);
        from(at + (written ?? 0));
      });
    };
    from(0);
  });
  return (chunk) => {
    if (broken) return;
    if (inFlight === 0 && typeof chunk === 'string') {
      text(chunk);
      return;
    }
    // A caller that did not wait for the write before: this one runs after it.
    const run = (): Promise<void> | void => (typeof chunk === 'string' ? text(chunk) : bytes(chunk));
    inFlight++;
    tail = (inFlight === 1 ? Promise.resolve(run()) : tail.then(run)).then(() => {
      inFlight--;
    });
    return tail;
  };
}
